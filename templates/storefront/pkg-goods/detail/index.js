const api = require('../../utils/api')
const { binding } = require('../../utils/ext')

// match finds the SKU whose spec equals the chosen values.
function match(skus, chosen) {
  return skus.find((s) => Object.keys(s.spec).every((k) => s.spec[k] === chosen[k])) || null
}

Component({
  data: { id: '', product: null, chosen: {}, sku: null, cart: true, images: [], description: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id, cart: binding().features.cart !== false })
      return api.product(query.id).then((p) => {
        const chosen = {}
        ;(p.specs || []).forEach((s) => { chosen[s.name] = s.values[0] })
        this.setData({ product: p, chosen, sku: match(p.skus, chosen), images: (p.images || []).map(api.imageURL),
          description: api.richText(p.description) })
      })
    },
    choose(e) {
      const chosen = Object.assign({}, this.data.chosen, { [e.currentTarget.dataset.name]: e.currentTarget.dataset.value })
      this.setData({ chosen, sku: match(this.data.product.skus, chosen) })
    },
    addToCart() {
      return api.setCart(this.data.sku.id, 1).then(() => wx.showToast({ title: '已加入购物车' }))
    },
    buyNow() {
      wx.navigateTo({ url: '/pkg-order/confirm/index?sku=' + this.data.sku.id + '&qty=1' })
    },
    // Share cards carry the sharer for attribution.
    onShareAppMessage() {
      const app = typeof getApp === 'function' ? getApp() : null
      const me = (app && app.globalData && app.globalData.memberId) || ''
      const card = { title: this.data.product ? this.data.product.title : '', path: '/pkg-goods/detail/index?id=' + this.data.id + '&from=' + me }
      if (this.data.images.length) card.imageUrl = this.data.images[0] // the share card shows the product, not a screenshot
      return card
    }
  }
})
