const api = require('../../utils/api')
const page = require('../../behaviors/page')

// flatten lists a category tree depth-first with its level, for the sidebar.
function flatten(list, level, out) {
  (list || []).forEach((c) => {
    out.push({ id: c.id, name: c.name, level })
    flatten(c.children, level + 1, out)
  })
  return out
}

Component({
  behaviors: [page],
  data: { categories: [], current: '', items: [], next: '', loading: true, error: '', wanted: '' },
  methods: {
    onLoad(query) {
      this.setData({ wanted: (query && query.id) || '' })
      return this.load()
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api.categories().then((page) => {
        const categories = flatten(page.items, 0, [])
        const current = this.data.current || this.data.wanted || (categories[0] && categories[0].id) || ''
        this.setData({ categories })
        return this.select(current)
      }, (err) => this.setData({ loading: false, error: err.message }))
    },
    select(id) {
      this.setData({ current: id, items: [], next: '', loading: true, error: '' })
      return api.products('?limit=20&category_id=' + encodeURIComponent(id)).then((page) => {
        this.setData({ items: page.items, next: page.next_cursor, loading: false })
      }, (err) => this.setData({ loading: false, error: err.message }))
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
