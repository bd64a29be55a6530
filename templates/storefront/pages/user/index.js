const api = require('../../utils/api')
const privacy = require('../../utils/privacy')
const page = require('../../behaviors/page')

// WeChat gives phone numbers (getPhoneNumber) to mainland stores only; an
// overseas store's shopper types it. The shop API does not say which a store
// is, so the button comes first and the server's refusal (code
// not_available) or WeChat's (no permission) switches to typing, remembered.
const PHONE_MODE_KEY = 'shoplet.phoneMode'

Component({
  behaviors: [page],
  data: { consented: false, version: '', member: null, nickname: '', avatar: '', loading: true, error: '', buttonId: privacy.AGREE_BUTTON,
    phoneMode: 'wechat', phoneInput: '', phoneError: '', busy: false },
  lifetimes: {
    attached() {
      const v = privacy.agreedVersion()
      this.setData({ consented: !!v, version: v, phoneMode: wx.getStorageSync(PHONE_MODE_KEY) === 'typed' ? 'typed' : 'wechat' })
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
    addresses() { wx.navigateTo({ url: '/pkg-order/addresses/index' }) },
    coupons() { wx.navigateTo({ url: '/pkg-order/my-coupons/index' }) },
    couponCentre() { wx.navigateTo({ url: '/pkg-order/coupons/index' }) },
    typed() {
      wx.setStorageSync(PHONE_MODE_KEY, 'typed')
      this.setData({ phoneMode: 'typed' })
    },
    // getPhoneNumber (mainland): the code goes to the server, which asks WeChat.
    getPhoneNumber(e) {
      const d = (e && e.detail) || {}
      if (!d.code) {
        if (/no permission|not support|unsupport/i.test(d.errMsg || '')) this.typed()
        return Promise.resolve() // the shopper declined
      }
      return this.savePhone({ code: d.code })
    },
    phoneInput(e) { this.setData({ phoneInput: e.detail.value, phoneError: '' }) },
    // A typed phone (overseas stores): 6–15 digits, optionally starting with +.
    submitPhone() {
      const phone = (this.data.phoneInput || '').replace(/[\s-]/g, '')
      if (!/^\+?[0-9]{6,15}$/.test(phone)) {
        this.setData({ phoneError: '请输入 6–15 位数字，可以 + 开头' })
        return Promise.resolve()
      }
      return this.savePhone({ phone })
    },
    savePhone(input) {
      this.setData({ busy: true, phoneError: '' })
      return api.setPhone(input).then((m) => {
        this.setData({ member: m, busy: false, phoneInput: '' })
        wx.showToast({ title: '手机号已保存' })
      }, (err) => {
        this.setData({ busy: false })
        const f = (err.fields || [])[0]
        if (f && f.field === 'code' && f.code === 'not_available') {
          this.typed()
          this.setData({ phoneError: '本店无法获取微信手机号，请手动填写' })
        } else if (f && f.field === 'phone') {
          this.setData({ phoneError: '请输入 6–15 位数字，可以 + 开头' })
        } else {
          this.setData({ phoneError: err.message })
        }
      })
    },
    // PIPL: a copy of everything the store holds on the shopper, put on the
    // clipboard (a mini-program cannot save a file for the shopper to keep).
    exportData() {
      this.setData({ busy: true })
      return api.exportData().then((out) => new Promise((resolve) => {
        this.setData({ busy: false })
        const orders = Array.isArray(out.orders) ? out.orders.length : 0
        const addresses = (out.addresses || []).length
        wx.setClipboardData({
          data: JSON.stringify(out, null, 2),
          success: () => wx.showModal({ title: '数据已复制', content: '你的资料、' + addresses + ' 个收货地址和 ' + orders + ' 个订单已复制到剪贴板，可粘贴保存。', showCancel: false }),
          complete: resolve
        })
      }), (err) => { this.setData({ busy: false }); wx.showToast({ title: err.message, icon: 'none' }) })
    },
    // PIPL: deleting the account removes the profile and addresses (orders
    // keep their amounts for the books); this phone forgets the session.
    deleteAccount() {
      return new Promise((resolve) => wx.showModal({ title: '注销账号', content: '注销后，你的资料和收货地址将被删除且无法恢复，订单仅保留金额用于对账。确定注销吗？',
        confirmText: '注销', confirmColor: '#e34d59', success: (r) => resolve(r.confirm), fail: () => resolve(false) }))
        .then((yes) => {
          if (!yes) return
          return api.deleteAccount().then(() => {
            api.forget()
            wx.removeStorageSync('shoplet.consent')
            wx.removeStorageSync(PHONE_MODE_KEY)
            wx.showToast({ title: '账号已注销' })
            wx.reLaunch({ url: '/pages/home/index' })
          })
        })
        .catch((err) => wx.showToast({ title: err.message, icon: 'none' }))
    }
  }
})
