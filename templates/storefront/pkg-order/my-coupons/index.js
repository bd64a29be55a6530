// 我的优惠券: the coupons the shopper holds, by status (available, used,
// expired: the server decides, expired follows from valid_to).
const api = require('../../utils/api')
const page = require('../../behaviors/page')
const coupons = require('../../utils/coupons')

const tabs = [{ status: 'available', text: '可使用' }, { status: 'used', text: '已使用' }, { status: 'expired', text: '已过期' }]
const empty = { available: '还没有可用的优惠券', used: '还没有用过优惠券', expired: '没有过期的优惠券' }

function decorate(mc) {
  const c = mc.coupon || {}
  return Object.assign({}, mc, { name: c.name || '优惠券', face: coupons.face(c, mc.amount), rule: coupons.rule(c),
    validity: coupons.validity(c, mc), scopeText: coupons.scopeText(c) })
}

Component({
  behaviors: [page],
  data: { tabs, status: 'available', items: [], loading: true, error: '', emptyText: empty.available },
  methods: {
    onLoad(query) {
      const status = query && tabs.some((t) => t.status === query.status) ? query.status : 'available'
      this.setData({ status, emptyText: empty[status] })
      return this.load()
    },
    load() {
      this.setData({ loading: true, error: '' })
      const status = this.data.status
      return api.myCoupons(status).then((p) => {
        if (status !== this.data.status) return // another tab was chosen meanwhile
        this.setData({ items: (p.items || []).map(decorate), loading: false })
      }, (err) => this.setData({ loading: false, error: err.message }))
    },
    tab(e) {
      const status = e.currentTarget.dataset.status
      this.setData({ status, items: [], emptyText: empty[status] })
      return this.load()
    },
    use() { wx.switchTab({ url: '/pages/home/index' }) },
    centre() { wx.navigateTo({ url: '/pkg-order/coupons/index' }) },
    onPullDownRefresh() { return this.load().then(() => wx.stopPullDownRefresh()) }
  }
})
