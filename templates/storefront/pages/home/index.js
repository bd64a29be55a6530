const api = require('../../utils/api')
const page = require('../../behaviors/page')
const { sharePath } = require('../../utils/share')
const { binding } = require('../../utils/ext')

Component({
  behaviors: [page],
  data: { items: [], next: '', q: '', loading: true, error: '', banners: [], categories: [], closed: false, servicePhone: '' },
  lifetimes: { attached() { this.load(); this.loadCategories(); this.loadStatus() } },
  methods: {
    onLoad() {},
    load(append) {
      const params = ['limit=20']
      if (this.data.q) params.push('q=' + encodeURIComponent(this.data.q))
      if (append && this.data.next) params.push('cursor=' + this.data.next)
      this.setData({ loading: true, error: '' })
      return api.products('?' + params.join('&')).then((page) => {
        const items = append ? this.data.items.concat(page.items) : page.items
        const data = { items, next: page.next_cursor, loading: false }
        // Banners: the newest products that have a picture (featured first on the shelf).
        if (!append && !this.data.q) {
          data.banners = page.items.filter((p) => p.cover).slice(0, 3).map((p) => ({ id: p.id, title: p.title, image: api.imageURL(p.cover) }))
        }
        this.setData(data)
      }, (err) => this.setData({ loading: false, error: err.message }))
    },
    loadCategories() {
      return api.categories().then((page) => this.setData({ categories: (page.items || []).slice(0, 8) }), () => {})
    },
    // A store closed for its lapsed plan shows a closed screen with its
    // service phone; if the status cannot be read the shop stays as it is.
    loadStatus() {
      return api.status().then((st) => this.setData({ closed: st.status === 'closed', servicePhone: st.service_phone || '' }), () => {})
    },
    call() { if (this.data.servicePhone) wx.makePhoneCall({ phoneNumber: this.data.servicePhone }) },
    search(e) {
      this.setData({ q: e.detail.value })
      return this.load(false)
    },
    more() { return this.load(true) },
    open(e) { wx.navigateTo({ url: '/pkg-goods/detail/index?id=' + e.detail.id }) },
    openBanner(e) { wx.navigateTo({ url: '/pkg-goods/detail/index?id=' + e.currentTarget.dataset.id }) },
    openCategory(e) { wx.navigateTo({ url: '/pkg-goods/category/index?id=' + e.currentTarget.dataset.id }) },
    retry() { this.loadCategories(); this.loadStatus(); return this.load(false) },
    onPullDownRefresh() { Promise.all([this.load(false), this.loadStatus()]).then(() => wx.stopPullDownRefresh()) },
    onShareAppMessage() { return { title: binding().name, path: sharePath('/pages/home/index') } },
    onShareTimeline() { return { title: binding().name, query: sharePath('').replace(/^\?/, '') } }
  }
})
