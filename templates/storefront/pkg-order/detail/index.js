const api = require('../../utils/api')

const labels = { pending_payment: '待付款', paid: '待发货', shipped: '已发货', completed: '已完成', closed: '已关闭', refunded: '已退款' }

Component({
  data: { order: null, labels },
  methods: {
    onLoad(query) { return api.order(query.id).then((o) => this.setData({ order: o })) },
    refund() {
      return api.refund(this.data.order.id, '买家申请退款').then(() => wx.showToast({ title: '已提交退款申请' }))
    }
  }
})
