// What a shopper sees of an order's status, and what they may do with it.
const { byKind } = require('./coupons')

const labels = { pending_payment: '待付款', paid: '待发货', shipped: '已发货', completed: '已完成', closed: '已关闭', refunded: '已退款' }
const tabs = [{ status: '', text: '全部' }, { status: 'pending_payment', text: '待付款' }, { status: 'paid', text: '待发货' },
  { status: 'shipped', text: '待收货' }, { status: 'completed', text: '已完成' }]

function decorate(o) {
  return Object.assign({}, o, { label: labels[o.status] || o.status, canPay: o.status === 'pending_payment', canCancel: o.status === 'pending_payment',
    canReceive: o.status === 'shipped', discounts: byKind(o.adjustments), count: (o.lines || []).reduce((s, l) => s + l.quantity, 0) })
}

module.exports = { labels, tabs, decorate }
