const api = require('../../utils/api')

function total(lines) {
  return lines.filter((l) => l.available).reduce((s, l) => s + l.price * l.quantity, 0)
}

Component({
  data: { lines: [], total: 0 },
  pageLifetimes: { show() { this.load() } },
  lifetimes: { attached() { this.load() } },
  methods: {
    load() {
      return api.cart().then((page) => this.setData({ lines: page.items, total: total(page.items) }), () => {})
    },
    remove(e) {
      return api.setCart(e.currentTarget.dataset.sku, 0).then(() => this.load())
    },
    checkout() { wx.navigateTo({ url: '/pkg-order/confirm/index?from=cart' }) }
  }
})
