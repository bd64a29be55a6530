const api = require('../../utils/api')
const page = require('../../behaviors/page')
const { requestPayment } = require('../../utils/pay')
const { askToSubscribe } = require('../../utils/subscribe')
const { labels, decorate } = require('../../utils/orders')

const reasons = ['不想要了', '尺码/规格不合适', '商品质量问题', '与描述不符', '未按约定时间发货', '其他']

Component({
  behaviors: [page],
  data: { id: '', order: null, labels, refunded: false, loading: true, error: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return this.reload()
    },
    reload() {
      this.setData({ error: '' })
      return api.order(this.data.id).then((o) => this.setData({ order: decorate(o), loading: false }),
        (err) => this.setData({ loading: false, error: err.message }))
    },
    // Pay an unpaid order (the confirmation page was left before paying).
    pay() {
      const id = this.data.order.id
      return askToSubscribe().then(() => api.pay(id)).then((out) => {
        if (!out.payment) throw new Error('暂时无法支付，请稍后再试')
        return requestPayment(out.payment)
      }).then((ok) => {
        wx.redirectTo({ url: '/pkg-order/result/index?id=' + id + '&ok=' + (ok ? 1 : 0) })
      }, (err) => wx.showToast({ title: err.message, icon: 'none' }))
    },
    confirm(title, content) {
      return new Promise((resolve) => wx.showModal({ title, content, success: (r) => resolve(r.confirm), fail: () => resolve(false) }))
    },
    cancel() {
      return this.confirm('取消订单', '确定取消这个订单吗？').then((yes) => yes && api.cancel(this.data.order.id).then((o) => {
        this.setData({ order: decorate(Object.assign({}, this.data.order, o)) })
        wx.showToast({ title: '订单已取消' })
      })).catch((err) => wx.showToast({ title: err.message, icon: 'none' }))
    },
    receive() {
      return this.confirm('确认收货', '确认已收到商品？').then((yes) => yes && api.receipt(this.data.order.id).then((o) => {
        this.setData({ order: decorate(Object.assign({}, this.data.order, o)) })
        wx.showToast({ title: '已确认收货' })
      })).catch((err) => wx.showToast({ title: err.message, icon: 'none' }))
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
