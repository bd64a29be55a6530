const api = require('../../utils/api')
const { binding } = require('../../utils/ext')

Component({
  data: { consented: false, version: '' },
  lifetimes: {
    attached() {
      const v = wx.getStorageSync('shoplet.consent')
      this.setData({ consented: !!v, version: v || '' })
    }
  },
  methods: {
    // The shopper agreed in the privacy popup: tell WeChat (resolve) and
    // record which policy version was agreed to, and when (the server stamps it).
    agree() {
      const version = binding().policyVersion
      const app = typeof getApp === 'function' ? getApp() : null
      if (app && app.globalData && app.globalData.privacyResolve) {
        app.globalData.privacyResolve({ event: 'agree', buttonId: 'agree' })
      }
      return api.consent(version).then(() => {
        wx.setStorageSync('shoplet.consent', version)
        this.setData({ consented: true, version })
      })
    },
    orders() { wx.navigateTo({ url: '/pkg-order/list/index' }) }
  }
})
