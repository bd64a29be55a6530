const api = require('../../utils/api')
const page = require('../../behaviors/page')

const CHOSEN_KEY = 'shoplet.address.chosen' // read by the confirmation page

Component({
  behaviors: [page],
  data: { addresses: [], select: false, loading: true, error: '' },
  methods: {
    onLoad(query) {
      this.setData({ select: !!(query && query.select) })
      return this.reload()
    },
    reload() {
      this.setData({ error: '' })
      return api.addresses().then((page) => this.setData({ addresses: page.items || [], loading: false }),
        (err) => this.setData({ loading: false, error: err.message }))
    },
    // In select mode (from the confirmation page) a tap picks the address.
    pick(e) {
      if (!this.data.select) return
      const a = this.data.addresses.find((x) => x.id === e.currentTarget.dataset.id)
      if (!a) return
      wx.setStorageSync(CHOSEN_KEY, a)
      wx.navigateBack()
    },
    // Add from the shopper's WeChat addresses (wx.chooseAddress).
    add() {
      return new Promise((resolve) => {
        wx.chooseAddress({
          success: (a) => {
            api.addAddress({ name: a.userName, phone: a.telNumber, province: a.provinceName, city: a.cityName,
              district: a.countyName, detail: a.detailInfo, postal_code: a.postalCode, is_default: this.data.addresses.length === 0 })
              .then(() => this.reload(), (err) => wx.showToast({ title: err.message, icon: 'none' })).then(resolve, resolve)
          },
          fail: resolve
        })
      })
    },
    makeDefault(e) {
      const a = this.data.addresses.find((x) => x.id === e.currentTarget.dataset.id)
      if (!a) return Promise.resolve()
      const body = { name: a.name, phone: a.phone, province: a.province, city: a.city, district: a.district, detail: a.detail,
        postal_code: a.postal_code, is_default: true }
      return api.request('PUT', '/addresses/' + encodeURIComponent(a.id), body).then(() => this.reload(),
        (err) => wx.showToast({ title: err.message, icon: 'none' }))
    },
    remove(e) {
      return api.deleteAddress(e.currentTarget.dataset.id).then(() => this.reload(), (err) => wx.showToast({ title: err.message, icon: 'none' }))
    }
  }
})
