// askToSubscribe asks the shopper, from a tap, to accept the store's order
// messages (paid, shipped); whatever the answer, the caller goes on.
const { binding } = require('./ext')

function askToSubscribe() {
  const tmplIds = binding().subscribe.slice(0, 3)
  if (!tmplIds.length || !wx.requestSubscribeMessage) return Promise.resolve({})
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({ tmplIds, success: resolve, fail: () => resolve({}) })
  })
}

module.exports = { askToSubscribe }
