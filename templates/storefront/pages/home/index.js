const api = require('../../utils/api')

Component({
  data: { items: [], next: '', q: '', loading: false, error: '' },
  lifetimes: { attached() { this.load() } },
  methods: {
    onLoad() {},
    load(append) {
      const params = ['limit=20']
      if (this.data.q) params.push('q=' + encodeURIComponent(this.data.q))
      if (append && this.data.next) params.push('cursor=' + this.data.next)
      this.setData({ loading: true, error: '' })
      return api.products('?' + params.join('&')).then((page) => {
        this.setData({ items: append ? this.data.items.concat(page.items) : page.items, next: page.next_cursor, loading: false })
      }, (err) => this.setData({ loading: false, error: err.message }))
    },
    search(e) {
      this.setData({ q: e.detail.value })
      return this.load(false)
    },
    more() { return this.load(true) },
    open(e) { wx.navigateTo({ url: '/pkg-goods/detail/index?id=' + e.detail.id }) },
    onPullDownRefresh() { this.load(false).then(() => wx.stopPullDownRefresh()) }
  }
})
