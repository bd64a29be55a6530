const api = require('../../utils/api')
const privacy = require('../../utils/privacy')
const page = require('../../behaviors/page')

Component({
  behaviors: [page],
  data: { consented: false, version: '', member: null, nickname: '', avatar: '', loading: true, error: '', buttonId: privacy.AGREE_BUTTON },
  lifetimes: {
    attached() {
      const v = privacy.agreedVersion()
      this.setData({ consented: !!v, version: v })
      this.load()
    }
  },
  methods: {
    load() {
      this.setData({ loading: true, error: '' })
      return api.me().then((m) => this.setData({ member: m, nickname: m.nickname || '', avatar: api.assetURL(m.avatar_url), loading: false }),
        (err) => this.setData({ loading: false, error: err.message }))
    },
    // The shopper agreed (here or in the popup WeChat asked for): tell WeChat
    // and record which policy version was agreed to.
    agree() {
      return privacy.agree().then((version) => this.setData({ consented: true, version }))
    },
    contract() { privacy.openContract() },
    // chooseAvatar gives a file on this phone: upload it, keep the store's URL.
    chooseAvatar(e) {
      const path = e.detail.avatarUrl
      this.setData({ avatar: path })
      return api.uploadAvatar(path).then((m) => this.setData({ member: m, avatar: api.assetURL(m.avatar_url) }),
        (err) => { this.setData({ avatar: this.data.member ? api.assetURL(this.data.member.avatar_url) : '' }); wx.showToast({ title: err.message, icon: 'none' }) })
    },
    saveNickname(e) {
      const nickname = (e.detail.value || '').trim()
      if (!nickname || nickname === (this.data.member && this.data.member.nickname)) return Promise.resolve()
      return api.updateProfile({ nickname }).then((m) => this.setData({ member: m, nickname: m.nickname }),
        (err) => wx.showToast({ title: err.message, icon: 'none' }))
    },
    orders(e) {
      const status = (e && e.currentTarget && e.currentTarget.dataset.status) || ''
      wx.navigateTo({ url: '/pkg-order/list/index' + (status ? '?status=' + status : '') })
    },
    addresses() { wx.navigateTo({ url: '/pkg-order/addresses/index' }) }
  }
})
