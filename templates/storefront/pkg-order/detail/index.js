const api = require('../../utils/api')
const { requestPayment } = require('../../utils/pay')

const labels = { pending_payment: '待付款', paid: '待发货', shipped: '已发货', completed: '已完成', closed: '已关闭', refunded: '已退款' }
const reasons = ['不想要了', '尺码/规格不合适', '商品质量问题', '与描述不符', '未按约定时间发货', '其他']

Component({
  data: { order: null, labels, refunded: false },
  methods: {
    onLoad(query) { return this.reload(query.id) },
    reload(id) { return api.order(id || this.data.order.id).then((o) => this.setData({ order: o })) },
    // Pay an unpaid order (the confirmation page was left before paying).
    pay() {
      const id = this.data.order.id
      return api.pay(id).then((p) => requestPayment(p)).then((ok) => {
        wx.redirectTo({ url: '/pkg-order/result/index?id=' + id + '&ok=' + (ok ? 1 : 0) })
      }, (err) => wx.showToast({ title: err.message, icon: 'none' }))
    },
    // The shopper picks a reason; the store reviews the request.
    refund() {
      return new Promise((resolve) => {
        wx.showActionSheet({
          itemList: reasons,
          success: (res) => {
            api.refund(this.data.order.id, reasons[res.tapIndex]).then(() => {
              this.setData({ refunded: true })
              wx.showToast({ title: '已提交退款申请' })
              resolve(true)
            }, (err) => { wx.showToast({ title: err.message, icon: 'none' }); resolve(false) })
          },
          fail: () => resolve(false)
        })
      })
    }
  }
})
