Component({
  properties: { product: { type: Object, value: {} } },
  methods: {
    open() {
      this.triggerEvent('open', { id: this.data.product.id })
    }
  }
})
