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
    expect(page.data.error).toBe('状态已变化，请刷新后重试')
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
