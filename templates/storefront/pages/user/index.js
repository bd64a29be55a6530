const api = require('../../utils/api')
const { binding } = require('../../utils/ext')

Component({
  data: { consented: false, version: '', member: null, nickname: '', avatar: '' },
  lifetimes: {
    attached() {
      const v = wx.getStorageSync('shoplet.consent')
      this.setData({ consented: !!v, version: v || '' })
      api.me().then((m) => this.setData({ member: m, nickname: m.nickname || '', avatar: m.avatar_url || '' }), () => {})
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
    // Avatar and nickname come from WeChat's own pickers (chooseAvatar, type="nickname").
    chooseAvatar(e) {
      const url = e.detail.avatarUrl
      this.setData({ avatar: url })
      return api.updateProfile({ avatar_url: url })
    },
    saveNickname(e) {
      const nickname = (e.detail.value || '').trim()
      if (!nickname || nickname === (this.data.member && this.data.member.nickname)) return Promise.resolve()
      return api.updateProfile({ nickname }).then((m) => this.setData({ member: m, nickname: m.nickname }))
    },
    orders() { wx.navigateTo({ url: '/pkg-order/list/index' }) },
    addresses() { wx.navigateTo({ url: '/pkg-order/addresses/index' }) }
  }
})
