// The coupon centre: the coupons the store gives out now, with what is left;
// opened from a product page, only those that apply to that product. A
// claim's refusal (all claimed, claimed already, today's limit) comes from the
// server's error code and stays on the coupon.
const api = require('../../utils/api')
const page = require('../../behaviors/page')
const coupons = require('../../utils/coupons')

function decorate(c, held) {
  const n = held[c.id] || 0
  return Object.assign({}, c, { face: coupons.face(c), rule: coupons.rule(c), validity: coupons.validity(c), scopeText: coupons.scopeText(c),
    left: Math.max(0, c.total - c.issued), held: n, state: c.per_member > 0 && n >= c.per_member ? coupons.claimStates.limit_reached : '' })
}

Component({
  behaviors: [page],
  data: { coupons: [], product: '', category: '', loading: true, error: '', claiming: '' },
  methods: {
    onLoad(query) {
      query = query || {}
      this.setData({ product: query.product || '', category: query.category || '' })
      if (query.product) wx.setNavigationBarTitle({ title: '本商品可领的券' })
      return this.load()
    },
    load() {
      this.setData({ loading: true, error: '' })
      return Promise.all([api.couponCentre(), this.held()]).then(([page, held]) => {
        let list = page.items || []
        if (this.data.product) list = list.filter((c) => coupons.appliesTo(c, this.data.product, this.data.category))
        this.setData({ coupons: list.map((c) => decorate(c, held)), loading: false })
      }, (err) => this.setData({ loading: false, error: err.message }))
    },
    // How many of each coupon the shopper holds (to show 已领取 before a tap);
    // a shopper not signed in yet simply holds none.
    held() {
      if (!wx.getStorageSync('shoplet.token')) return Promise.resolve({})
      return Promise.all(['available', 'used', 'expired'].map((s) => api.myCoupons(s).then((p) => p.items || [], () => [])))
        .then((lists) => {
          const n = {}
          for (const mc of [].concat(...lists)) n[mc.coupon_id] = (n[mc.coupon_id] || 0) + 1
          return n
        })
    },
    update(id, change) {
      this.setData({ coupons: this.data.coupons.map((c) => (c.id === id ? Object.assign({}, c, change) : c)) })
    },
    claim(e) {
      const id = e.currentTarget.dataset.id
      const c = this.data.coupons.find((x) => x.id === id)
      if (!c || c.state || this.data.claiming) return Promise.resolve()
      this.setData({ claiming: id })
      return api.claimCoupon(id).then(() => {
        const held = c.held + 1
        this.update(id, { held, left: Math.max(0, c.left - 1), state: c.per_member > 0 && held >= c.per_member ? coupons.claimStates.limit_reached : '' })
        this.setData({ claiming: '' })
        wx.showToast({ title: '领取成功' })
      }, (err) => {
        this.setData({ claiming: '' })
        const state = coupons.claimStates[err.code]
        if (state) this.update(id, { state, left: err.code === 'coupon_gone' ? 0 : c.left })
        wx.showToast({ title: err.message, icon: 'none' })
      })
    },
    mine() { wx.navigateTo({ url: '/pkg-order/my-coupons/index' }) },
    home() { wx.switchTab({ url: '/pages/home/index' }) },
    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) }
  }
})
