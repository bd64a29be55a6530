// The storefront reads its brand binding (store, API base, theme, features)
// from ext.json, which the platform writes for each brand, or from the
// configuration baked into a package the brand uploads itself.
const { binding } = require('./utils/ext')
const api = require('./utils/api')
const privacy = require('./utils/privacy')

App({
  globalData: { binding: null, scene: '', shareFrom: '', memberId: '' },
  onLaunch(options) {
    this.globalData.binding = binding()
    this.globalData.scene = String((options && options.scene) || '')
    this.globalData.shareFrom = (options && options.query && options.query.from) || ''
    this.globalData.memberId = wx.getStorageSync('shoplet.member') || ''
    // Privacy: WeChat's request goes to the popup of the page on screen.
    privacy.install()
    // Pages' requests wait for this sign-in (no race with the first request).
    api.login({ scene: this.globalData.scene, shareFrom: this.globalData.shareFrom })
      .then((out) => { this.globalData.memberId = (out.member && out.member.id) || '' }, () => {})
  },
  // Opening another share card while the app runs: that sharer is the source.
  onShow(options) {
    const from = options && options.query && options.query.from
    if (from) this.globalData.shareFrom = from
  }
})
