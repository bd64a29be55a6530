const api = require('../../utils/api')
const { requestPayment } = require('../../utils/pay')

function key() {
  return 'co-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8)
}

Component({
  data: { items: [], address: null, addressId: '', idempotencyKey: '', paying: false, error: '' },
  methods: {
    onLoad(query) {
      // One key per confirmation page: a double tap creates one order.
      const items = query.sku ? [{ sku_id: query.sku, quantity: Number(query.qty || 1) }] : []
      this.setData({ items, idempotencyKey: key() })
    },
    chooseAddress() {
      return new Promise((resolve) => {
        wx.chooseAddress({
          success: (a) => {
            const addr = { name: a.userName, phone: a.telNumber, province: a.provinceName, city: a.cityName,
              district: a.countyName, detail: a.detailInfo, postal_code: a.postalCode }
            api.addAddress(addr).then((saved) => { this.setData({ address: addr, addressId: saved.id }); resolve() }, resolve)
          },
          fail: resolve
        })
      })
    },
    submit() {
      this.setData({ paying: true, error: '' })
      const app = typeof getApp === 'function' ? getApp() : null
      const scene = (app && app.globalData && app.globalData.scene) || ''
      return api.checkout({ items: this.data.items, address_id: this.data.addressId, idempotency_key: this.data.idempotencyKey, scene })
        .then((out) => {
          if (!out.payment) throw Object.assign(new Error((out.payment_error && out.payment_error.message) || '暂时无法支付'), { order: out.order })
          return requestPayment(out.payment).then((ok) => ({ order: out.order, ok }))
        })
        .then(({ order, ok }) => {
          this.setData({ paying: false })
          wx.redirectTo({ url: '/pkg-order/result/index?id=' + order.id + '&ok=' + (ok ? 1 : 0) })
        }, (err) => this.setData({ paying: false, error: err.message }))
    }
  }
})
