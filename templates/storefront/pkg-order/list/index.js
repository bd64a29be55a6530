const api = require('../../utils/api')
const page = require('../../behaviors/page')
const { tabs, decorate } = require('../../utils/orders')
const { requestPayment } = require('../../utils/pay')
const { askToSubscribe } = require('../../utils/subscribe')

Component({
  behaviors: [page],
  data: { orders: [], tabs, status: '', next: '', loading: true, error: '' },
  methods: {
    onLoad(query) {
      this.setData({ status: (query && query.status) || '' })
      return this.load()
    },
    load(append) {
      const params = []
      if (this.data.status) params.push('status=' + this.data.status)
      if (append && this.data.next) params.push('cursor=' + encodeURIComponent(this.data.next))
      this.setData({ loading: true, error: '' })
      return api.orders(params.length ? '?' + params.join('&') : '').then((p) => {
        const got = (p.items || []).map(decorate)
        this.setData({ orders: append ? this.data.orders.concat(got) : got, next: p.next_cursor || '', loading: false })
      }, (err) => this.setData({ loading: false, error: err.message }))
    },
    tab(e) {
      this.setData({ status: e.currentTarget.dataset.status, orders: [], next: '' })
      return this.load(false)
    },
    more() { return this.data.next && !this.data.loading ? this.load(true) : Promise.resolve() },
    onReachBottom() { return this.more() },
    onPullDownRefresh() { return this.load(false).then(() => wx.stopPullDownRefresh()) },
    open(e) { wx.navigateTo({ url: '/pkg-order/detail/index?id=' + e.currentTarget.dataset.id }) },
    replace(o) {
      this.setData({ orders: this.data.orders.map((x) => (x.id === o.id ? decorate(Object.assign({}, x, o)) : x)) })
    },
    // Cancel before paying: the stock goes back to the shelf.
    cancel(e) {
      const id = e.currentTarget.dataset.id
      return new Promise((resolve) => wx.showModal({ title: '取消订单', content: '确定取消这个订单吗？', success: (r) => resolve(r.confirm), fail: () => resolve(false) }))
        .then((yes) => yes && api.cancel(id).then((o) => { this.replace(o); wx.showToast({ title: '订单已取消' }) }))
        .catch((err) => wx.showToast({ title: err.message, icon: 'none' }))
    },
    receive(e) {
      const id = e.currentTarget.dataset.id
      return new Promise((resolve) => wx.showModal({ title: '确认收货', content: '确认已收到商品？', success: (r) => resolve(r.confirm), fail: () => resolve(false) }))
        .then((yes) => yes && api.receipt(id).then((o) => { this.replace(o); wx.showToast({ title: '已确认收货' }) }))
        .catch((err) => wx.showToast({ title: err.message, icon: 'none' }))
    },
    pay(e) {
      const id = e.currentTarget.dataset.id
      return askToSubscribe().then(() => api.pay(id)).then((out) => {
        if (!out.payment) throw new Error('暂时无法支付，请稍后再试')
        return requestPayment(out.payment)
      }).then((ok) => wx.navigateTo({ url: '/pkg-order/result/index?id=' + id + '&ok=' + (ok ? 1 : 0) }),
        (err) => wx.showToast({ title: err.message, icon: 'none' }))
    }
  }
})
