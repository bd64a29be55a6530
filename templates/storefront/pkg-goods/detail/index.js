const api = require('../../utils/api')
const page = require('../../behaviors/page')
const { binding } = require('../../utils/ext')
const { sharePath } = require('../../utils/share')
const coupons = require('../../utils/coupons')

// match finds the SKU whose spec equals the chosen values.
function match(skus, chosen) {
  return skus.find((s) => Object.keys(s.spec).every((k) => s.spec[k] === chosen[k])) || null
}

Component({
  behaviors: [page],
  data: { id: '', product: null, chosen: {}, sku: null, quantity: 1, cart: true, images: [], description: '', loading: true, error: '', coupons: [] },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id, cart: binding().features.cart !== false })
      return this.load()
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api.product(this.data.id).then((p) => {
        const chosen = {}
        ;(p.specs || []).forEach((s) => { chosen[s.name] = s.values[0] })
        this.setData({ product: p, chosen, sku: match(p.skus, chosen), images: (p.images || []).map(api.imageURL),
          description: api.richText(p.description), loading: false })
        this.loadCoupons(p)
      }, (err) => this.setData({ loading: false, error: err.message }))
    },
    // The centre's coupons whose scope covers this product (the coupon's
    // scope: store, these products, these categories, exclusions). Not
    // essential: a failure leaves the row out.
    loadCoupons(p) {
      return api.couponCentre().then((page) => {
        const list = (page.items || []).filter((c) => coupons.appliesTo(c, p.id, p.category_id || ''))
        this.setData({ coupons: list.slice(0, 3).map((c) => ({ id: c.id, text: c.name })) })
      }, () => this.setData({ coupons: [] }))
    },
    openCoupons() {
      const p = this.data.product
      wx.navigateTo({ url: '/pkg-order/coupons/index?product=' + encodeURIComponent(p.id) + (p.category_id ? '&category=' + encodeURIComponent(p.category_id) : '') })
    },
    choose(e) {
      const chosen = Object.assign({}, this.data.chosen, { [e.currentTarget.dataset.name]: e.currentTarget.dataset.value })
      const sku = match(this.data.product.skus, chosen)
      this.setData({ chosen, sku, quantity: sku && sku.stock > 0 ? Math.min(this.data.quantity, sku.stock) : 1 })
    },
    step(e) {
      const q = this.data.quantity + Number(e.currentTarget.dataset.delta)
      const max = this.data.sku ? Math.min(this.data.sku.stock, 99) : 1
      if (q >= 1 && q <= max) this.setData({ quantity: q })
    },
    preview(e) {
      wx.previewImage({ current: e.currentTarget.dataset.src, urls: this.data.images })
    },
    addToCart() {
      return api.setCart(this.data.sku.id, this.data.quantity).then(() => wx.showToast({ title: '已加入购物车' }),
        (err) => wx.showToast({ title: err.message, icon: 'none' }))
    },
    goCart() { wx.switchTab({ url: '/pages/cart/index' }) },
    buyNow() {
      wx.navigateTo({ url: '/pkg-order/confirm/index?sku=' + this.data.sku.id + '&qty=' + this.data.quantity + '&product=' + this.data.id })
    },
    // Share cards carry the sharer for attribution.
    onShareAppMessage() {
      const card = { title: this.data.product ? this.data.product.title : '', path: sharePath('/pkg-goods/detail/index?id=' + this.data.id) }
      if (this.data.images.length) card.imageUrl = this.data.images[0] // the share card shows the product, not a screenshot
      return card
    },
    onShareTimeline() {
      const out = { title: this.data.product ? this.data.product.title : '', query: sharePath('?id=' + this.data.id).slice(1) }
      if (this.data.images.length) out.imageUrl = this.data.images[0]
      return out
    }
  }
})
