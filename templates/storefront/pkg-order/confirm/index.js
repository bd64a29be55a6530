const api = require('../../utils/api')
const page = require('../../behaviors/page')
const { requestPayment } = require('../../utils/pay')
const { askToSubscribe } = require('../../utils/subscribe')
const { yuan } = require('../../utils/money')

const CHOSEN_KEY = 'shoplet.address.chosen' // set by the address book in select mode

function key() {
  return 'co-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8)
}

function specText(spec) {
  return Object.keys(spec || {}).map((k) => spec[k]).join(' / ')
}

// fromWeChat turns what wx.chooseAddress gives into the shop API's address.
function fromWeChat(a) {
  return { name: a.userName, phone: a.telNumber, province: a.provinceName, city: a.cityName,
    district: a.countyName, detail: a.detailInfo, postal_code: a.postalCode }
}

Component({
  behaviors: [page],
  data: { items: [], lines: [], itemTotal: 0, shippingFee: 0, total: 0, totalText: '', address: null, addressId: '', hasAddresses: false,
    remark: '', idempotencyKey: '', paying: false, loading: true, error: '', loadError: '', blocked: false, fromCart: false },
  pageLifetimes: {
    show() {
      const chosen = wx.getStorageSync(CHOSEN_KEY)
      if (chosen && chosen.id) {
        wx.removeStorageSync(CHOSEN_KEY)
        this.setData({ address: chosen, addressId: chosen.id, hasAddresses: true })
      }
    }
  },
  methods: {
    onLoad(query) {
      // One key per confirmation page: a double tap creates one order.
      const items = query.sku ? [{ sku_id: query.sku, quantity: Number(query.qty || 1) }] : []
      this.setData({ items, fromCart: !query.sku, product: query.product || '', idempotencyKey: key() })
      return this.load()
    },
    load() {
      this.setData({ loading: true, loadError: '' })
      return Promise.all([this.loadLines(), this.loadAddress()]).then(() => this.setData({ loading: false }),
        (err) => this.setData({ loading: false, loadError: err.message }))
    },
    // The lines as the server prices them now (the cart) or the product's SKU
    // (buy now); the order is priced again by the server when it is placed.
    loadLines() {
      const done = (lines) => {
        const itemTotal = lines.reduce((s, l) => s + l.price * l.quantity, 0)
        const shippingFee = 0 // the store charges no shipping (the order's shipping_fee)
        this.setData({ lines, itemTotal, shippingFee, total: itemTotal + shippingFee, totalText: yuan(itemTotal + shippingFee),
          blocked: lines.length === 0 || lines.some((l) => !l.available) })
      }
      if (this.data.fromCart) {
        return api.cart().then((page) => done((page.items || []).map((l) => Object.assign({}, l, { specText: specText(l.spec) }))))
      }
      const it = this.data.items[0]
      if (!it || !this.data.product) return Promise.resolve(done([]))
      return api.product(this.data.product).then((p) => {
        const sku = (p.skus || []).find((s) => s.id === it.sku_id)
        done(sku ? [{ sku_id: sku.id, title: p.title, specText: specText(sku.spec), price: sku.price, quantity: it.quantity,
          available: p.status === 'on_shelf' && sku.stock >= it.quantity }] : [])
      })
    },
    // The default saved address (else the newest); the shopper's WeChat
    // addresses are imported only when the store has none for them.
    loadAddress() {
      if (this.data.addressId) return Promise.resolve()
      return api.addresses().then((page) => {
        const list = page.items || []
        const a = list.find((x) => x.is_default) || list[0] || null
        this.setData({ hasAddresses: list.length > 0, address: a, addressId: a ? a.id : '' })
      })
    },
    pickAddress() {
      if (!this.data.hasAddresses) return this.importAddress()
      wx.navigateTo({ url: '/pkg-order/addresses/index?select=1' })
      return Promise.resolve()
    },
    importAddress() {
      return new Promise((resolve) => {
        wx.chooseAddress({
          success: (a) => {
            api.addAddress(Object.assign(fromWeChat(a), { is_default: true })).then((saved) => {
              this.setData({ address: saved, addressId: saved.id, hasAddresses: true })
              resolve()
            }, (err) => { this.setData({ error: err.message }); resolve() })
          },
          fail: resolve
        })
      })
    },
    remark(e) { this.setData({ remark: e.detail.value }) },
    submit() {
      if (this.data.paying || !this.data.addressId || this.data.blocked) return Promise.resolve()
      this.setData({ paying: true, error: '' })
      const app = typeof getApp === 'function' ? getApp() : null
      const scene = (app && app.globalData && app.globalData.scene) || ''
      // Asked from the tap, before payment: WeChat allows the request only then.
      return askToSubscribe()
        .then(() => api.checkout({ items: this.data.items, address_id: this.data.addressId, idempotency_key: this.data.idempotencyKey,
          remark: this.data.remark.trim(), scene }))
        .then((out) => {
          if (!out.payment) throw Object.assign(new Error('订单已提交，暂时无法支付，可在订单中继续支付'), { order: out.order })
          return requestPayment(out.payment).then((ok) => ({ order: out.order, ok }))
        })
        .then(({ order, ok }) => {
          this.setData({ paying: false })
          wx.redirectTo({ url: '/pkg-order/result/index?id=' + order.id + '&ok=' + (ok ? 1 : 0) })
        }, (err) => this.setData({ paying: false, error: err.message }))
    }
  }
})
