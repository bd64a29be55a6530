// Coupons as the shopper reads them: what a coupon takes off, when it can be
// used, to what it applies, and the price breakdown's labels. Everything here
// reads the shop API's own fields (marketing.Coupon, pricing.Adjustment).
const { yuan } = require('./money')

function plain(fen) {
  return yuan(fen).replace('¥', '').replace(/\.00$/, '')
}

// face is the coupon's value in large type ("¥20", "8.5折").
function face(c, drawn) {
  if (!c) return ''
  if (c.kind === 'discount') return (100 - c.percent_off) / 10 + '折'
  if (c.kind === 'random') return drawn ? '¥' + plain(drawn) : '¥' + plain(c.amount) + '~' + plain(c.amount_max)
  return '¥' + plain(c.amount)
}

// rule says when the coupon applies ("满100可用", "无门槛", "最高减¥30").
function rule(c) {
  if (!c) return ''
  const parts = []
  if (c.threshold > 0) parts.push('满' + plain(c.threshold) + '可用')
  else parts.push('无门槛')
  if (c.kind === 'discount' && c.cap > 0) parts.push('最高减' + plain(c.cap))
  return parts.join('，')
}

function day(t) {
  return t ? String(t).slice(0, 10).replace(/-/g, '.') : ''
}

// validity of a coupon definition (centre) or a claimed coupon (mine).
function validity(c, mc) {
  if (mc && mc.valid_to) return day(mc.valid_from) + ' - ' + day(mc.valid_to)
  if (c && c.valid_days > 0) return '领取后 ' + c.valid_days + ' 天内有效'
  if (c && c.valid_to) return day(c.valid_from) + ' - ' + day(c.valid_to)
  return ''
}

// appliesTo tells whether a coupon's scope covers a product (its id and category).
function appliesTo(c, productId, categoryId) {
  const s = (c && c.scope) || {}
  if ((s.exclude || []).indexOf(productId) >= 0) return false
  if (s.kind === 'products') return (s.ids || []).indexOf(productId) >= 0
  if (s.kind === 'categories') return !!categoryId && (s.ids || []).indexOf(categoryId) >= 0
  return true // store-wide
}

function scopeText(c) {
  const k = c && c.scope && c.scope.kind
  if (k === 'products') return '指定商品可用'
  if (k === 'categories') return '指定分类可用'
  return '全店通用'
}

// The price breakdown's names for adjustment kinds (pricing.Kind*).
const kinds = { member_price: '会员价', limited_discount: '限时折扣', full_reduction: '满减', coupon: '优惠券' }

function kindLabel(kind) {
  return kinds[kind] || '优惠'
}

// byKind sums adjustments per kind, in the calculator's order.
function byKind(adjustments) {
  const order = []
  const sums = {}
  for (const a of adjustments || []) {
    if (!a || !a.amount) continue
    if (!(a.kind in sums)) { order.push(a.kind); sums[a.kind] = 0 }
    sums[a.kind] += a.amount
  }
  return order.map((k) => ({ kind: k, label: kindLabel(k), amount: sums[k], text: '-' + yuan(sums[k]) }))
}

// Why a coupon held does not apply to this order (pricing.CouponOption.reason).
const reasons = { below_threshold: '未达到使用门槛', not_applicable: '不适用于当前商品', not_available: '暂不可用' }

function reasonText(r) {
  return r ? reasons[r] || '不可用' : ''
}

// Claim refusals by the server's error codes (marketing.Claim).
const claimStates = { coupon_gone: '已抢光', limit_reached: '已领取', daily_limit_reached: '今日已领', not_found: '已结束' }

module.exports = { face, rule, validity, appliesTo, scopeText, kindLabel, byKind, reasonText, claimStates }
