const api = require('../../utils/api')
const page = require('../../behaviors/page')

function total(lines) {
  return lines.filter((l) => l.available).reduce((s, l) => s + l.price * l.quantity, 0)
}

const MAX_QUANTITY = 99

Component({
  behaviors: [page],
  data: { lines: [], total: 0, loading: true, error: '', blocked: false, busy: '' },
  pageLifetimes: { show() { this.load() } },
  lifetimes: { attached() { this.load() } },
  methods: {
    load() {
      this.setData({ error: '' })
      return api.cart().then((page) => {
        const lines = (page.items || []).map((l) => Object.assign({}, l, { specText: Object.keys(l.spec || {}).map((k) => l.spec[k]).join(' / ') }))
        this.setData({ lines, total: total(lines), blocked: lines.some((l) => !l.available), loading: false })
      }, (err) => this.setData({ loading: false, error: err.message }))
    },
    // The stepper: the server says whether the new quantity is in stock.
    step(e) {
      const { sku, delta } = e.currentTarget.dataset
      const line = this.data.lines.find((l) => l.sku_id === sku)
      if (!line || this.data.busy) return Promise.resolve()
      const quantity = line.quantity + Number(delta)
      if (quantity < 1 || quantity > MAX_QUANTITY) return Promise.resolve()
      this.setData({ busy: sku })
      return api.setCart(sku, quantity).then(() => this.load(), (err) => wx.showToast({ title: err.message, icon: 'none' }))
        .then(() => this.setData({ busy: '' }))
    },
    remove(e) {
      return api.setCart(e.currentTarget.dataset.sku, 0).then(() => this.load(), (err) => wx.showToast({ title: err.message, icon: 'none' }))
    },
    shop() { wx.switchTab({ url: '/pages/home/index' }) },
    checkout() {
      if (this.data.blocked) return
      wx.navigateTo({ url: '/pkg-order/confirm/index?from=cart' })
    }
  }
})
