const api = require('../../utils/api')
const page = require('../../behaviors/page')
const { requestPayment } = require('../../utils/pay')
const { askToSubscribe } = require('../../utils/subscribe')
const { yuan } = require('../../utils/money')
const coupons = require('../../utils/coupons')

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
  data: { items: [], lines: [], itemTotal: 0, shippingFee: 0, discounts: [], discountTotal: 0, total: 0, totalText: '',
    couponId: '', couponOptions: [], couponText: '', couponPicker: false, couponNames: {},
    address: null, addressId: '', hasAddresses: false,
    remark: '', idempotencyKey: '', paying: false, quoting: false, loading: true, error: '', loadError: '', blocked: false, fromCart: false },
  pageLifetimes: {
    show() {
      const chosen = wx.getStorageSync(CHOSEN_KEY)
      if (chosen && chosen.id) {
        wx.removeStorageSync(CHOSEN_KEY)
        this.setData({ address: chosen, addressId: chosen.id, hasAddresses: true })
        // Shipping follows the address: price the order again.
        if (!this.data.loading) this.quote(this.choice())
      }
    }
  },
  methods: {
    onLoad(query) {
      // One key per confirmation page: a double tap creates one order.
      const items = query.sku ? [{ sku_id: query.sku, quantity: Number(query.qty || 1) }] : []
      this.setData({ items, fromCart: !query.sku, idempotencyKey: key() })
      return this.load()
    },
    // The address first (shipping depends on it), the names of the coupons
    // held beside it, then the server's quote with its best coupon.
    load() {
      this.setData({ loading: true, loadError: '' })
      return Promise.all([this.loadAddress(), this.loadCouponNames()])
        .then(() => this.quote({}))
        .then(() => this.setData({ loading: false }), (err) => this.setData({ loading: false, loadError: err.message }))
    },
    // The coupon choice now: the one applied, or none chosen by the shopper.
    choice() {
      return this.data.couponId ? { coupon_id: this.data.couponId } : (this.data.noCoupon ? { no_coupon: true } : {})
    },
    // quote asks the server for the price: what is shown is what checkout
    // charges (the same items, address and coupon_id).
    quote(choice) {
      const input = Object.assign({ items: this.data.items }, this.data.addressId ? { address_id: this.data.addressId } : {}, choice)
      this.setData({ quoting: true })
      return api.preview(input).then((q) => this.showQuote(q, !!choice.no_coupon), (err) => {
        this.setData({ quoting: false })
        throw err
      })
    },
    showQuote(q, noCoupon) {
      const lines = (q.lines || []).map((l) => Object.assign({}, l, { specText: specText(l.spec),
        tags: (l.adjustments || []).filter((a) => a.amount > 0).map((a) => coupons.kindLabel(a.kind)).filter((t, i, all) => all.indexOf(t) === i) }))
      const names = this.data.couponNames
      const options = (q.coupons || []).map((o) => Object.assign({}, o, { name: names[o.id] || '优惠券', usable: !o.reason && o.saving > 0,
        savingText: o.saving > 0 ? '-' + yuan(o.saving) : '', reasonText: coupons.reasonText(o.reason) }))
      const usable = options.filter((o) => o.usable).length
      const applied = q.coupon_id ? options.find((o) => o.id === q.coupon_id) : null
      let couponText = usable ? usable + ' 张可用' : '无可用'
      if (applied) couponText = applied.name
      else if (noCoupon && usable) couponText = '不使用优惠券'
      this.setData({ lines, itemTotal: q.item_total, shippingFee: q.shipping_fee, freeShipping: !!q.free_shipping,
        discounts: coupons.byKind(q.adjustments), discountTotal: q.discount_total, discountText: yuan(q.discount_total), total: q.total, totalText: yuan(q.total),
        couponId: q.coupon_id || '', noCoupon, couponOptions: options, couponText, quoting: false,
        blocked: lines.length === 0 || lines.some((l) => !l.available) })
    },
    // The names of the coupons held (the quote's options carry ids only); a
    // failure here leaves generic names, not a broken page.
    loadCouponNames() {
      return api.myCoupons('available').then((page) => {
        const names = {}
        for (const mc of page.items || []) names[mc.id] = (mc.coupon && mc.coupon.name) || '优惠券'
        this.setData({ couponNames: names })
      }, () => {})
    },
    openCoupons() {
      if (this.data.couponOptions.length) this.setData({ couponPicker: true })
    },
    closeCoupons() { this.setData({ couponPicker: false }) },
    // pickCoupon applies a coupon (or none) and prices the order again.
    pickCoupon(e) {
      const id = e.currentTarget.dataset.id || ''
      const opt = this.data.couponOptions.find((o) => o.id === id)
      if (id && (!opt || !opt.usable)) return Promise.resolve()
      this.setData({ couponPicker: false, error: '' })
      return this.quote(id ? { coupon_id: id } : { no_coupon: true }).catch((err) => this.setData({ error: err.message }))
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
              return this.quote(this.choice())
            }).then(resolve, (err) => { this.setData({ error: err.message }); resolve() })
          },
          fail: resolve
        })
      })
    },
    remark(e) { this.setData({ remark: e.detail.value }) },
    submit() {
      if (this.data.paying || this.data.quoting || !this.data.addressId || this.data.blocked) return Promise.resolve()
      this.setData({ paying: true, error: '' })
      const app = typeof getApp === 'function' ? getApp() : null
      const scene = (app && app.globalData && app.globalData.scene) || ''
      const shown = this.data.total
      // Asked from the tap, before payment: WeChat allows the request only then.
      return askToSubscribe()
        .then(() => api.checkout(Object.assign({ items: this.data.items, address_id: this.data.addressId, idempotency_key: this.data.idempotencyKey,
          remark: this.data.remark.trim(), scene }, this.data.couponId ? { coupon_id: this.data.couponId } : {})))
        .then((out) => {
          // The server prices with the same calculator; should prices have
          // moved since the quote, the shopper sees the new total before
          // paying (a second tap, same key, pays this order).
          if (out.order && typeof out.order.total === 'number' && out.order.total !== shown) {
            this.setData({ total: out.order.total, totalText: yuan(out.order.total) })
            throw Object.assign(new Error('价格有变化，应付 ' + yuan(out.order.total) + '，确认后请再次提交'), { order: out.order })
          }
          if (!out.payment) throw Object.assign(new Error('订单已提交，暂时无法支付，可在订单中继续支付'), { order: out.order })
          return requestPayment(out.payment).then((ok) => ({ order: out.order, ok }))
        })
        .then(({ order, ok }) => {
          this.setData({ paying: false })
          wx.redirectTo({ url: '/pkg-order/result/index?id=' + order.id + '&ok=' + (ok ? 1 : 0) })
        }, (err) => {
          this.setData({ paying: false, error: err.message })
          // A coupon taken by another order meanwhile: price again without it.
          if (err.code === 'coupon_unavailable' || (err.fields || []).some((f) => f.field === 'coupon_id')) {
            this.setData({ couponId: '' })
            return this.quote({}).catch(() => {})
          }
        })
    }
  }
})
