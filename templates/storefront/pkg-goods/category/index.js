const api = require('../../utils/api')

// flatten lists a category tree depth-first with its level, for the sidebar.
function flatten(list, level, out) {
  (list || []).forEach((c) => {
    out.push({ id: c.id, name: c.name, level })
    flatten(c.children, level + 1, out)
  })
  return out
}

Component({
  data: { categories: [], current: '', items: [], next: '', loading: false },
  methods: {
    onLoad(query) {
      return api.categories().then((page) => {
        const categories = flatten(page.items, 0, [])
        const current = (query && query.id) || (categories[0] && categories[0].id) || ''
        this.setData({ categories })
        return this.select(current)
      })
    },
    select(id) {
      this.setData({ current: id, items: [], next: '', loading: true })
      return api.products('?limit=20&category_id=' + encodeURIComponent(id)).then((page) => {
        this.setData({ items: page.items, next: page.next_cursor, loading: false })
      }, () => this.setData({ loading: false }))
    },
    tap(e) { return this.select(e.currentTarget.dataset.id) },
    more() {
      if (!this.data.next) return Promise.resolve()
      return api.products('?limit=20&category_id=' + encodeURIComponent(this.data.current) + '&cursor=' + this.data.next).then((page) => {
        this.setData({ items: this.data.items.concat(page.items), next: page.next_cursor })
      })
    },
    open(e) { wx.navigateTo({ url: '/pkg-goods/detail/index?id=' + e.detail.id }) }
  }
})
