// Marketing in the storefront (issue 14): the confirm page shows the server's
// quote and its coupon picker, the coupon centre and 我的优惠券, and the
// account features of 我的 (phone, PIPL export and deletion). Responses are
// shaped as the Go API's (web-admin/src/api/openapi.json).
const { mount, mockAPI, fixture, simulate, reply, waitFor } = require('./helpers')

beforeEach(() => {
  jest.resetModules()
  jest.restoreAllMocks()
  wx.setStorageSync('shoplet.token', 'shop-token-1')
  global.getApp = () => ({ globalData: {} })
  wx.requestSubscribeMessage = (o) => o.success({})
})

const totalText = (page) => page.querySelector('.total').querySelector('.price').dom.textContent

// The preview re-priced with one of the held coupons, or none, as the server
// would answer (coupon options stay; the applied one changes).
function requote(o) {
  const q = fixture('preview')
  const opts = q.coupons
  const chosen = o.data.no_coupon ? null : opts.find((c) => c.id === (o.data.coupon_id || q.coupon_id))
  const without = q.total + 2000
  q.coupon_id = chosen ? chosen.id : ''
  q.total = chosen ? chosen.total : without
  q.discount_total = 2000 + (chosen ? chosen.saving : 0)
  q.adjustments = q.adjustments.filter((a) => a.kind !== 'coupon').concat(chosen ? [{ promotion_id: chosen.id, kind: 'coupon', amount: chosen.saving }] : [])
  return q
}

describe('confirm: the server\'s quote and the coupon picker', () => {
  async function open(routes) {
    const calls = mockAPI(Object.assign({
      'POST /checkout/preview': requote,
      'GET /addresses': fixture('addresses'),
      'GET /me/coupons': fixture('my-coupons'),
      'POST /checkout': (o) => ({ order: { id: 'order-1', order_no: '1', total: requote({ data: o.data.coupon_id ? o.data : { no_coupon: true } }).total },
        created: true, payment: { package: 'prepay_id=wx1', paySign: 's' } })
    }, routes || {}))
    jest.spyOn(wx, 'requestPayment').mockImplementation((o) => o.success())
    jest.spyOn(wx, 'redirectTo').mockImplementation(() => {})
    const page = mount('pkg-order/confirm/index')
    await page.instance.onLoad({ from: 'cart' })
    await simulate.sleep(0)
    return { page, calls }
  }

  test('shows lines, discounts by kind, shipping and the total of the preview, with the best coupon pre-selected', async () => {
    const { page, calls } = await open()
    // The cart is priced by the server: no items sent means the whole cart.
    expect(calls.find((c) => c.path === '/checkout/preview').data).toEqual({ items: [], address_id: fixture('addresses').items[0].id })
    expect(calls.filter((c) => c.path === '/cart')).toEqual([])
    expect(totalText(page)).toBe('¥226.00')
    const sums = page.querySelectorAll('.discount').map((d) => d.dom.textContent)
    expect(sums).toEqual(['限时折扣-¥20.00', '优惠券-¥20.00'])
    expect(page.querySelector('.shipping').dom.textContent).toBe('')
    expect(page.dom.textContent).toContain('¥8.00')
    expect(page.querySelector('.coupon-text').dom.textContent).toBe('满200减20 ›')
    expect(page.querySelector('.line-tags').dom.textContent).toBe('限时折扣优惠券')
    expect(page.querySelector('.paid').dom.textContent).toContain('¥218.00')
  })

  test('another coupon re-prices the order, and checkout sends the chosen coupon_id and charges the quoted total', async () => {
    const { page, calls } = await open()
    await page.instance.openCoupons()
    await simulate.sleep(0)
    const options = page.querySelectorAll('.option')
    expect(options.map((o) => o.dom.textContent)).toEqual(['满200减20-¥20.00', '衬衫专享 9 折-¥10.00', '满500减60未达到使用门槛', '不使用优惠券'])
    // A coupon that does not apply cannot be chosen.
    await page.instance.pickCoupon({ currentTarget: { dataset: { id: fixture('preview').coupons[2].id } } })
    expect(calls.filter((c) => c.path === '/checkout/preview').length).toBe(1)
    const second = fixture('preview').coupons[1]
    await page.instance.pickCoupon({ currentTarget: { dataset: { id: second.id } } })
    await simulate.sleep(0)
    expect(calls.filter((c) => c.path === '/checkout/preview').pop().data.coupon_id).toBe(second.id)
    expect(totalText(page)).toBe('¥236.00')
    expect(page.querySelector('.coupon-text').dom.textContent).toBe('衬衫专享 9 折 ›')
    await page.instance.submit()
    const co = calls.find((c) => c.path === '/checkout')
    expect(co.data.coupon_id).toBe(second.id)
    expect(page.data.error).toBe('')
    expect(wx.requestPayment).toHaveBeenCalledTimes(1)
  })

  test('不使用优惠券 prices without a coupon and checkout sends none', async () => {
    const { page, calls } = await open()
    await page.instance.pickCoupon({ currentTarget: { dataset: { id: '' } } })
    await simulate.sleep(0)
    expect(calls.filter((c) => c.path === '/checkout/preview').pop().data.no_coupon).toBe(true)
    expect(totalText(page)).toBe('¥246.00')
    expect(page.querySelector('.coupon-text').dom.textContent).toBe('不使用优惠券 ›')
    expect(page.querySelectorAll('.discount').map((d) => d.dom.textContent)).toEqual(['限时折扣-¥20.00'])
    await page.instance.submit()
    expect('coupon_id' in calls.find((c) => c.path === '/checkout').data).toBe(false)
  })

  test('a total that moved since the quote is shown before paying', async () => {
    const { page } = await open({ 'POST /checkout': { order: { id: 'order-1', order_no: '1', total: 23000 }, created: true, payment: { package: 'p' } } })
    await page.instance.submit()
    expect(wx.requestPayment).not.toHaveBeenCalled()
    expect(page.data.error).toBe('价格有变化，应付 ¥230.00，确认后请再次提交')
    expect(totalText(page)).toBe('¥230.00')
  })

  test('a coupon another order just used: the error is shown and the order priced again', async () => {
    const { page, calls } = await open({ 'POST /checkout': reply(409, { error: { code: 'coupon_unavailable', message: 'this coupon was just used by another order',
      fields: [{ field: 'coupon_id', code: 'coupon_unavailable', message: 'choose another coupon or none' }] } }) })
    await page.instance.submit()
    await simulate.sleep(0)
    expect(page.data.error).toBe('优惠券刚被其他订单使用，已重新计算价格')
    expect(calls.filter((c) => c.path === '/checkout/preview').length).toBe(2)
  })

  test('the quote failing shows the error with retry, not an empty order', async () => {
    mockAPI({ 'POST /checkout/preview': reply(400, { error: { code: 'invalid', message: 'x', fields: [{ field: 'items[0].sku_id', code: 'not_available', message: 'this item is not for sale' }] } }),
      'GET /addresses': fixture('addresses'), 'GET /me/coupons': fixture('my-coupons') })
    const page = mount('pkg-order/confirm/index')
    await page.instance.onLoad({ sku: 'sku-x', qty: '1' })
    expect(page.data.loadError).toBe('请检查填写的内容')
    expect(page.querySelector('.state').dom.textContent).toContain('重试')
  })
})

// byStatus tells which status a GET /me/coupons asked for.
const byStatus = (o) => ({ [new URL(o.url).searchParams.get('status')]: true })

describe('coupon centre', () => {
  const gone = reply(409, { error: { code: 'coupon_gone', message: 'all of this coupon have been claimed' } })
  const already = reply(409, { error: { code: 'limit_reached', message: 'a shopper can claim this coupon 1 times' } })

  test('lists what is claimable with value, rule, validity and what is left; claims; sold-out and already-claimed come from the error codes', async () => {
    const [c1, c2, c3] = fixture('coupons').items
    const calls = mockAPI({
      'GET /coupons': fixture('coupons'),
      'GET /me/coupons': { items: [] },
      ['POST /coupons/' + c1.id + '/claim']: fixture('claim'),
      ['POST /coupons/' + c2.id + '/claim']: gone,
      ['POST /coupons/' + c3.id + '/claim']: already
    })
    const toasts = []
    jest.spyOn(wx, 'showToast').mockImplementation((o) => toasts.push(o.title))
    const page = mount('pkg-order/coupons/index')
    await page.instance.onLoad({})
    const cards = () => page.querySelectorAll('.coupon')
    expect(cards().length).toBe(3)
    const first = cards()[0].dom.textContent
    expect(first).toContain('¥20')
    expect(first).toContain('满200可用')
    expect(first).toContain('满200减20')
    expect(first).toContain('领取后 7 天内有效')
    expect(first).toContain('剩余 988 张')
    expect(cards()[1].dom.textContent).toContain('9折')
    expect(cards()[1].dom.textContent).toContain('最高减30')
    expect(cards()[2].dom.textContent).toContain('2026.12.01 - 2026.12.12')
    await page.instance.claim({ currentTarget: { dataset: { id: c1.id } } })
    await page.instance.claim({ currentTarget: { dataset: { id: c2.id } } })
    await page.instance.claim({ currentTarget: { dataset: { id: c3.id } } })
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual([c1, c2, c3].map((c) => '/coupons/' + c.id + '/claim'))
    expect(toasts).toEqual(['领取成功', '来晚了，优惠券已被抢光', '你已经领过这张券了'])
    expect(page.querySelectorAll('.state-tag').map((t) => t.dom.textContent)).toEqual(['已领取', '已抢光', '已领取'])
    expect(page.querySelectorAll('.claim').length).toBe(0)
    expect(cards()[0].dom.textContent).toContain('剩余 987 张')
    expect(cards()[1].dom.textContent).toContain('剩余 0 张')
    // A settled coupon is not claimed again.
    await page.instance.claim({ currentTarget: { dataset: { id: c1.id } } })
    expect(calls.filter((c) => c.method === 'POST').length).toBe(3)
  })

  test('coupons the shopper already holds up to the limit show 已领取 before any tap; a per-member limit above one allows another', async () => {
    const items = fixture('coupons').items
    items[1].per_member = 2
    const held = fixture('my-coupons').items
    mockAPI({ 'GET /coupons': { items }, 'GET /me/coupons': (o) => ({ items: byStatus(o).available ? held.slice(0, 2) : [] }) })
    const page = mount('pkg-order/coupons/index')
    await page.instance.onLoad({})
    expect(page.querySelectorAll('.state-tag').map((t) => t.dom.textContent)).toEqual(['已领取'])
    expect(page.querySelectorAll('.claim').map((b) => b.dom.textContent)).toEqual(['再领一张', '立即领取'])
  })

  test('from a product page only the coupons whose scope covers the product', async () => {
    const product = fixture('product')
    mockAPI({ 'GET /coupons': fixture('coupons'), 'GET /me/coupons': { items: [] } })
    const page = mount('pkg-order/coupons/index')
    await page.instance.onLoad({ product: product.id })
    expect(page.querySelectorAll('.coupon .name').map((n) => n.dom.textContent)).toEqual(['满200减20', '衬衫专享 9 折'])
  })

  test('a category coupon covers a product of that category', async () => {
    mockAPI({ 'GET /coupons': fixture('coupons'), 'GET /me/coupons': { items: [] } })
    const other = mount('pkg-order/coupons/index')
    await other.instance.onLoad({ product: 'another', category: fixture('coupons').items[2].scope.ids[0] })
    expect(other.querySelectorAll('.coupon .name').map((n) => n.dom.textContent)).toEqual(['满200减20', '满500减60'])
  })

  test('empty and error states', async () => {
    mockAPI({ 'GET /coupons': { items: [] }, 'GET /me/coupons': { items: [] } })
    const page = mount('pkg-order/coupons/index')
    await page.instance.onLoad({})
    expect(page.querySelector('.empty').dom.textContent).toContain('暂时没有可领的优惠券')
  })

  test('a failure shows the error with retry, not the empty state', async () => {
    mockAPI({ 'GET /coupons': reply(500, { error: { code: 'internal', message: 'internal error' } }) })
    const broken = mount('pkg-order/coupons/index')
    await broken.instance.onLoad({})
    expect(broken.querySelector('.state').dom.textContent).toContain('服务开小差了')
    expect(broken.querySelector('.empty')).toBeFalsy()
  })

  test('the product page shows the coupons for it and opens the centre filtered to it', async () => {
    const product = fixture('product')
    mockAPI({ 'GET /products/': product, 'GET /coupons': fixture('coupons') })
    const navs = []
    jest.spyOn(wx, 'navigateTo').mockImplementation((o) => navs.push(o.url))
    const page = mount('pkg-goods/detail/index')
    await page.instance.onLoad({ id: product.id })
    await waitFor(() => page.data.coupons.length)
    expect(page.querySelectorAll('.coupon-tag').map((t) => t.dom.textContent)).toEqual(['满200减20', '衬衫专享 9 折'])
    page.querySelector('.coupon-row').dispatchEvent('tap')
    await simulate.sleep(0)
    expect(navs).toEqual(['/pkg-order/coupons/index?product=' + product.id])
  })
})

describe('我的优惠券', () => {
  test('available, used and expired tabs, each asked of the server, with empty states', async () => {
    const mine = fixture('my-coupons')
    const used = { items: [Object.assign({}, mine.items[0], { status: 'used', order_id: 'order-1', used_at: '2026-11-23T00:00:00Z' })] }
    const calls = mockAPI({ 'GET /me/coupons': (o) => ({ available: mine, used, expired: { items: [] } })[new URL(o.url).searchParams.get('status')] })
    const page = mount('pkg-order/my-coupons/index')
    await page.instance.onLoad({})
    expect(page.querySelector('.tab.on').dom.textContent).toBe('可使用')
    expect(page.querySelectorAll('.coupon .name').map((n) => n.dom.textContent)).toEqual(['满200减20', '衬衫专享 9 折', '满500减60'])
    expect(page.querySelectorAll('.use').length).toBe(3)
    expect(page.querySelector('.validity').dom.textContent).toBe('2026.11.22 - 2026.11.29')
    await page.instance.tab({ currentTarget: { dataset: { status: 'used' } } })
    expect(page.querySelectorAll('.state-tag').map((t) => t.dom.textContent)).toEqual(['已使用'])
    expect(page.querySelectorAll('.use').length).toBe(0)
    await page.instance.tab({ currentTarget: { dataset: { status: 'expired' } } })
    expect(page.querySelector('.empty').dom.textContent).toContain('没有过期的优惠券')
    expect(calls.map((c) => c.query)).toEqual(['?status=available', '?status=used', '?status=expired'])
  })

  test('a random coupon shows the amount drawn when it was claimed', async () => {
    const mc = fixture('claim')
    mc.coupon = Object.assign({}, mc.coupon, { kind: 'random', amount: 500, amount_max: 1500, threshold: 0 })
    mc.amount = 1200
    mockAPI({ 'GET /me/coupons': { items: [mc] } })
    const page = mount('pkg-order/my-coupons/index')
    await page.instance.onLoad({ status: 'available' })
    expect(page.querySelector('.face').dom.textContent).toBe('¥12无门槛')
  })
})

describe('我的: phone and PIPL', () => {
  beforeEach(() => {
    wx.setStorageSync('shoplet.consent', '2026-11')
    wx.removeStorageSync('shoplet.phoneMode')
  })

  test('links to 我的优惠券 and the coupon centre', async () => {
    mockAPI({ 'GET /me': fixture('me') })
    const navs = []
    jest.spyOn(wx, 'navigateTo').mockImplementation((o) => navs.push(o.url))
    const page = mount('pages/user/index')
    await waitFor(() => page.data.member)
    page.querySelector('.coupon-mine').dispatchEvent('tap')
    page.querySelector('.coupon-centre').dispatchEvent('tap')
    await simulate.sleep(0)
    expect(navs).toEqual(['/pkg-order/my-coupons/index', '/pkg-order/coupons/index'])
  })

  test('mainland: getPhoneNumber\'s code goes to PUT /me/phone; a declined request sends nothing', async () => {
    const calls = mockAPI({ 'GET /me': fixture('me'), 'PUT /me/phone': Object.assign(fixture('me'), { phone: '13800138000', phone_source: 'wechat' }) })
    jest.spyOn(wx, 'showToast').mockImplementation(() => {})
    const page = mount('pages/user/index')
    await waitFor(() => page.data.member)
    expect(page.querySelector('.get-phone').dom.textContent).toBe('使用微信手机号')
    expect(page.querySelector('.phone-input')).toBeFalsy()
    await page.instance.getPhoneNumber({ detail: { errMsg: 'getPhoneNumber:fail user deny' } })
    expect(calls.filter((c) => c.path === '/me/phone')).toEqual([])
    await page.instance.getPhoneNumber({ detail: { errMsg: 'getPhoneNumber:ok', code: 'phone-code-1' } })
    expect(calls.find((c) => c.path === '/me/phone').data).toEqual({ code: 'phone-code-1' })
    expect(page.querySelector('.phone-value').dom.textContent).toBe('13800138000')
    expect(page.data.phoneMode).toBe('wechat')
  })

  test('overseas: the server refuses the code (not_available), the shopper types the phone, and the choice is remembered', async () => {
    const calls = mockAPI({
      'GET /me': fixture('me'),
      'PUT /me/phone': (o) => (o.data.code
        ? reply(400, { error: { code: 'invalid', message: 'invalid input', fields: [{ field: 'code', code: 'not_available', message: 'WeChat does not give phone numbers to overseas stores; send the number the shopper typed as phone' }] } })
        : Object.assign(fixture('me'), { phone: o.data.phone, phone_source: 'typed' }))
    })
    jest.spyOn(wx, 'showToast').mockImplementation(() => {})
    const page = mount('pages/user/index')
    await waitFor(() => page.data.member)
    await page.instance.getPhoneNumber({ detail: { code: 'c' } })
    expect(page.data.phoneMode).toBe('typed')
    expect(page.querySelector('.get-phone')).toBeFalsy()
    expect(page.querySelector('.phone-error').dom.textContent).toBe('本店无法获取微信手机号，请手动填写')
    // Checked here first, as the server would.
    page.instance.phoneInput({ detail: { value: '12ab' } })
    await page.instance.submitPhone()
    expect(page.querySelector('.phone-error').dom.textContent).toBe('请输入 6–15 位数字，可以 + 开头')
    expect(calls.filter((c) => c.path === '/me/phone').length).toBe(1)
    page.instance.phoneInput({ detail: { value: '+852 6123 4567' } })
    await page.instance.submitPhone()
    expect(calls.filter((c) => c.path === '/me/phone').pop().data).toEqual({ phone: '+85261234567' })
    expect(page.querySelector('.phone-value').dom.textContent).toBe('+85261234567')
    expect(wx.getStorageSync('shoplet.phoneMode')).toBe('typed')
  })

  test('WeChat refusing the phone API (no permission) switches to typing without a server call', async () => {
    const calls = mockAPI({ 'GET /me': fixture('me') })
    const page = mount('pages/user/index')
    await waitFor(() => page.data.member)
    await page.instance.getPhoneNumber({ detail: { errMsg: 'getPhoneNumber:fail no permission' } })
    expect(page.querySelector('.phone-input')).toBeTruthy()
    expect(calls.filter((c) => c.path === '/me/phone')).toEqual([])
  })

  test('导出我的数据 copies the export of GET /me/export', async () => {
    const exported = { member: fixture('me'), addresses: fixture('addresses').items, orders: [{ id: 'order-1', total: 22600 }], exported_at: '2026-11-22T04:00:00Z' }
    const calls = mockAPI({ 'GET /me/export': exported, 'GET /me': fixture('me') })
    const copied = []
    wx.setClipboardData = (o) => { copied.push(o.data); o.success(); o.complete() }
    const modals = []
    wx.showModal = (o) => modals.push(o.content)
    const page = mount('pages/user/index')
    await waitFor(() => page.data.member)
    page.querySelector('.export').dispatchEvent('tap')
    await waitFor(() => copied.length)
    expect(calls.filter((c) => c.path === '/me/export').length).toBe(1)
    expect(JSON.parse(copied[0])).toEqual(exported)
    expect(modals[0]).toContain(fixture('addresses').items.length + ' 个收货地址和 1 个订单')
  })

  test('注销账号 asks first, deletes with DELETE /me, forgets the session and starts over', async () => {
    const calls = mockAPI({ 'GET /me': fixture('me'), 'DELETE /me': reply(204, '') })
    wx.setStorageSync('shoplet.member', 'member-1')
    let answer = false
    wx.showModal = (o) => o.success({ confirm: answer })
    jest.spyOn(wx, 'showToast').mockImplementation(() => {})
    const relaunch = []
    wx.reLaunch = (o) => relaunch.push(o.url)
    const page = mount('pages/user/index')
    await waitFor(() => page.data.member)
    await page.instance.deleteAccount()
    expect(calls.filter((c) => c.method === 'DELETE')).toEqual([])
    answer = true
    await page.instance.deleteAccount()
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/me'])
    expect(wx.getStorageSync('shoplet.token')).toBe('')
    expect(wx.getStorageSync('shoplet.member')).toBe('')
    expect(wx.getStorageSync('shoplet.consent')).toBe('')
    expect(relaunch).toEqual(['/pages/home/index'])
  })

  test('a deletion the server refuses keeps the session and says why', async () => {
    mockAPI({ 'GET /me': fixture('me'), 'DELETE /me': reply(500, { error: { code: 'internal', message: 'internal error' } }) })
    wx.showModal = (o) => o.success({ confirm: true })
    const toasts = []
    jest.spyOn(wx, 'showToast').mockImplementation((o) => toasts.push(o.title))
    const page = mount('pages/user/index')
    await waitFor(() => page.data.member)
    await page.instance.deleteAccount()
    expect(toasts).toEqual(['服务开小差了，请稍后重试'])
    expect(wx.getStorageSync('shoplet.token')).toBe('shop-token-1')
  })
})

test('order detail shows the discounts the order was charged with, by kind', async () => {
  const q = fixture('preview')
  const order = { id: 'order-1', order_no: '2611220000000001', status: 'paid', item_total: q.item_total, discount_total: q.discount_total,
    shipping_fee: q.shipping_fee, total: q.total, coupon_id: q.coupon_id, adjustments: q.adjustments,
    lines: [{ id: 'line-1', sku_id: q.lines[0].sku_id, title: 'Linen shirt', price: 12900, quantity: 2, discount: 4000, paid_amount: 21800, adjustments: q.lines[0].adjustments }] }
  mockAPI({ 'GET /orders/': order })
  const page = mount('pkg-order/detail/index')
  await page.instance.onLoad({ id: 'order-1' })
  await waitFor(() => page.data.order)
  expect(page.querySelectorAll('.discount').map((d) => d.dom.textContent)).toEqual(['限时折扣-¥20.00', '优惠券-¥20.00'])
  expect(page.querySelector('.total').dom.textContent).toContain('¥226.00')
  expect(page.dom.textContent).toContain('¥258.00')
})
