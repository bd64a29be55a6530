const api = require('../../utils/api')
const page = require('../../behaviors/page')

// The result of wx.requestPayment is only what the phone saw; the order's
// status comes from the server (WeChat Pay's notification), so this page asks
// it a few times before it says "processing".
Component({
  behaviors: [page],
  data: { id: '', status: '', ok: false, tries: 0, error: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id, ok: query.ok === '1' })
      return this.check()
    },
    check() {
      this.setData({ error: '' })
      return api.order(this.data.id).then((o) => {
        this.setData({ status: o.status, tries: this.data.tries + 1 })
        if (o.status === 'pending_payment' && this.data.ok && this.data.tries < 5) {
          return new Promise((r) => setTimeout(r, 1000)).then(() => this.check())
        }
      }, (err) => this.setData({ error: err.message }))
    },
    detail() { wx.redirectTo({ url: '/pkg-order/detail/index?id=' + this.data.id }) },
    home() { wx.switchTab({ url: '/pages/home/index' }) }
  }
})
