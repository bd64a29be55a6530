const api = require('../../utils/api')

const labels = { pending_payment: '待付款', paid: '待发货', shipped: '已发货', completed: '已完成', closed: '已关闭', refunded: '已退款' }

Component({
  data: { orders: [], labels },
  lifetimes: { attached() { this.load() } },
  methods: {
    onLoad() {},
    load() { return api.orders().then((p) => this.setData({ orders: p.items })) },
    open(e) { wx.navigateTo({ url: '/pkg-order/detail/index?id=' + e.currentTarget.dataset.id }) }
  }
})
