// Every page: the brand's colours (applied by <page-meta page-style> as the
// page's first node) and the privacy popup's host.
const { themeStyle } = require('../utils/ext')

module.exports = Behavior({
  data: { themeStyle: '' },
  lifetimes: {
    attached() { this.setData({ themeStyle: themeStyle() }) }
  }
})
