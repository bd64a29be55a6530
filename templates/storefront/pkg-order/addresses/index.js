const api = require('../../utils/api')

Component({
  data: { addresses: [] },
  methods: {
    onLoad() { return this.reload() },
    reload() { return api.addresses().then((page) => this.setData({ addresses: page.items || [] })) },
    // Add from the shopper's WeChat addresses (wx.chooseAddress).
    add() {
      return new Promise((resolve) => {
        wx.chooseAddress({
          success: (a) => {
            api.addAddress({ name: a.userName, phone: a.telNumber, province: a.provinceName, city: a.cityName,
              district: a.countyName, detail: a.detailInfo, postal_code: a.postalCode }).then(() => this.reload()).then(resolve, resolve)
          },
          fail: resolve
        })
      })
    },
    remove(e) { return api.deleteAddress(e.currentTarget.dataset.id).then(() => this.reload()) }
  }
})
