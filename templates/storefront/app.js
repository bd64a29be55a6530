// The storefront reads its brand binding (store, API base, theme, features)
// from ext.json, which the platform writes for each brand.
const { binding } = require('./utils/ext')
const api = require('./utils/api')

App({
  globalData: { binding: null, scene: '', shareFrom: '' },
  onLaunch(options) {
    this.globalData.binding = binding()
    this.globalData.scene = String((options && options.scene) || '')
    this.globalData.shareFrom = (options && options.query && options.query.from) || ''
    // Privacy: the consent popup is shown by the page that needs personal data.
    if (wx.onNeedPrivacyAuthorization) {
      wx.onNeedPrivacyAuthorization((resolve) => { this.globalData.privacyResolve = resolve })
    }
    api.login({ scene: this.globalData.scene, shareFrom: this.globalData.shareFrom }).catch(() => {})
  }
})
