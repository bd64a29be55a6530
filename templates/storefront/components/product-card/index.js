const api = require('../../utils/api')

Component({
  properties: { product: { type: Object, value: {} } },
  data: { cover: '' },
  observers: {
    product(p) {
      this.setData({ cover: p && p.cover ? api.imageURL(p.cover) : '' })
    }
  },
  methods: {
    open() {
      this.triggerEvent('open', { id: this.data.product.id })
    }
  }
})
