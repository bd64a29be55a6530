const { mount, mockAPI, fixture, simulate, waitFor } = require('./helpers')

beforeEach(() => {
  jest.resetModules()
  jest.restoreAllMocks()
  wx.setStorageSync('shoplet.token', 'shop-token-1')
})

test('home lists the store\'s products from the shop API and searches', async () => {
  const calls = mockAPI({ 'GET /products': fixture('products') })
  const page = mount('pages/home/index')
  await waitFor(() => page.data.items.length)
  expect(page.data.items.map((p) => p.title)).toEqual(['Linen shirt', 'Logo tee'])
  // Rendered through product-card and price: title and yuan from int fen.
  expect(page.dom.textContent).toContain('Linen shirt')
  expect(page.dom.textContent).toContain('¥129.00')
  expect(page.dom.textContent).not.toContain('暂无商品')
  expect(calls[0].path).toBe('/products')
  expect(calls[0].header.Authorization).toBe('Bearer shop-token-1')
  page.instance.search({ detail: { value: 'linen' } })
  await waitFor(() => calls.filter((c) => c.path === '/products').length > 1)
  expect(calls.filter((c) => c.path === '/products')[1].query).toContain('q=linen')
})

test('product detail picks a SKU by spec, shows stock, and adds to cart', async () => {
  const calls = mockAPI({ 'GET /products/': fixture('product'), 'PUT /cart/': {} })
  jest.spyOn(wx, 'showToast').mockImplementation(() => {})
  const page = mount('pkg-goods/detail/index')
  const product = fixture('product')
  await page.instance.onLoad({ id: product.id })
  await simulate.sleep(0)
  expect(page.data.sku.spec.size).toBe('M')
  expect(page.querySelector('.current').querySelector('.price').dom.textContent).toBe('¥129.00')
  page.instance.choose({ currentTarget: { dataset: { name: 'size', value: 'L' } } })
  await simulate.sleep(0)
  expect(page.data.sku.price).toBe(13900)
  expect(page.querySelector('.stock').dom.textContent).toBe('已售罄')
  page.instance.choose({ currentTarget: { dataset: { name: 'size', value: 'M' } } })
  await page.instance.addToCart()
  const put = calls.find((c) => c.method === 'PUT')
  expect(put.path).toBe('/cart/' + product.skus[0].id)
  expect(put.data).toEqual({ quantity: 1 })
  const share = page.instance.onShareAppMessage()
  expect(share.title).toBe('Linen shirt')
  expect(share.imageUrl).toBe('https://shop.example.com/api/shop/v1/stores/store-1/images/' + product.images[0])
  // Gallery and rich description: the description's own image path becomes absolute.
  expect(page.data.images).toEqual(['https://shop.example.com/api/shop/v1/stores/store-1/images/' + product.images[0]])
  expect(page.querySelector('.gallery')).toBeTruthy()
  expect(page.data.description).toContain('<strong>linen</strong>')
  expect(page.data.description).toContain('src="https://shop.example.com/api/shop/v1/stores/')
  expect(page.data.description).not.toContain('src="/api/')
  expect(share.path).toContain('/pkg-goods/detail/index?id=' + product.id)
})

test('checkout shows the server\'s quote, uses the default address, asks to subscribe, and pays with the server\'s parameters', async () => {
  const payment = { appId: 'wx0123456789abcdef', timeStamp: '1795318632', nonceStr: 'n', package: 'prepay_id=wx1', signType: 'RSA', paySign: 'sig' }
  const product = fixture('product')
  const preview = fixture('preview')
  const calls = mockAPI({
    'POST /checkout/preview': preview,
    'GET /addresses': fixture('addresses'),
    'GET /me/coupons': fixture('my-coupons'),
    'POST /checkout': { order: { id: 'order-1', order_no: '2611220000000001', total: preview.total }, created: true, payment }
  })
  const chosen = jest.spyOn(wx, 'chooseAddress').mockImplementation(() => { throw new Error('a saved address exists: no import') })
  const asked = []
  wx.requestSubscribeMessage = (o) => { asked.push(o.tmplIds); o.success({}) }
  const paid = []
  jest.spyOn(wx, 'requestPayment').mockImplementation((o) => { paid.push(o); o.success() })
  const redirects = []
  jest.spyOn(wx, 'redirectTo').mockImplementation((o) => redirects.push(o.url))
  const page = mount('pkg-order/confirm/index')
  await page.instance.onLoad({ sku: product.skus[0].id, qty: '2', product: product.id })
  await simulate.sleep(0)
  // The quote is asked for these items, shipped to the default address.
  const q = calls.find((c) => c.path === '/checkout/preview')
  expect(q.data).toEqual({ items: [{ sku_id: product.skus[0].id, quantity: 2 }], address_id: fixture('addresses').items[0].id })
  // The shopper sees what they pay for: line, price, quantity, discounts, shipping, total, address.
  const text = page.dom.textContent
  expect(text).toContain('Linen shirt')
  expect(text).toContain('× 2')
  expect(page.querySelector('.total').querySelector('.price').dom.textContent).toBe('¥226.00')
  expect(page.querySelector('.item-total').querySelector('.price').dom.textContent).toBe('¥258.00')
  expect(page.data.addressId).toBe(fixture('addresses').items[0].id)
  expect(text).toContain('南京西路 1 号')
  page.instance.remark({ detail: { value: ' 请用纸箱 ' } })
  await page.instance.submit()
  expect(chosen).not.toHaveBeenCalled()
  expect(asked).toEqual([['tpl-paid', 'tpl-shipped']])
  const co = calls.find((c) => c.path === '/checkout')
  expect(co.data.items).toEqual([{ sku_id: product.skus[0].id, quantity: 2 }])
  expect(co.data.address_id).toBe(fixture('addresses').items[0].id)
  expect(co.data.coupon_id).toBe(preview.coupon_id)
  expect(co.data.remark).toBe('请用纸箱')
  expect(co.data.idempotency_key).toMatch(/^co-/)
  expect(paid[0].package).toBe('prepay_id=wx1')
  expect(paid[0].paySign).toBe('sig')
  expect(redirects).toEqual(['/pkg-order/result/index?id=order-1&ok=1'])
  expect(calls.filter((c) => c.method === 'POST' && c.path === '/addresses')).toEqual([])
})

test('checkout imports a WeChat address once, as the default, when the shopper has none', async () => {
  const calls = mockAPI({
    'POST /checkout/preview': { lines: [{ sku_id: 'sku-1', title: 'Logo tee', spec: {}, price: 9900, quantity: 1, available: true, list_amount: 9900,
      discount: 0, paid_amount: 9900, adjustments: [] }], item_total: 9900, discount_total: 0, shipping_fee: 0, total: 9900, adjustments: [],
    free_shipping: false, coupon_id: '', coupons: [] },
    'GET /me/coupons': { items: [] },
    'GET /addresses': { items: [] },
    'POST /addresses': (o) => Object.assign({ id: 'addr-new' }, o.data)
  })
  jest.spyOn(wx, 'chooseAddress').mockImplementation((o) => o.success({ userName: '李雷', telNumber: '13800138000', provinceName: '上海市',
    cityName: '上海市', countyName: '静安区', detailInfo: '南京西路 1 号', postalCode: '200040' }))
  const page = mount('pkg-order/confirm/index')
  await page.instance.onLoad({ from: 'cart' })
  await simulate.sleep(0)
  expect(page.dom.textContent).toContain('从微信导入收货地址')
  await page.instance.pickAddress()
  const post = calls.filter((c) => c.method === 'POST' && c.path === '/addresses')
  expect(post.length).toBe(1)
  expect(post[0].data.is_default).toBe(true)
  expect(page.data.addressId).toBe('addr-new')
  // Now there is a saved address: a tap opens the address book, no new import.
  const navs = []
  jest.spyOn(wx, 'navigateTo').mockImplementation((o) => navs.push(o.url))
  await page.instance.pickAddress()
  expect(navs).toEqual(['/pkg-order/addresses/index?select=1'])
  expect(wx.chooseAddress).toHaveBeenCalledTimes(1)
})

test('agreeing to the privacy guide records the policy version', async () => {
  const calls = mockAPI({ 'POST /me/consent': { consent_version: '1' } })
  wx.removeStorageSync('shoplet.consent')
  const page = mount('pages/user/index')
  await simulate.sleep(0)
  expect(page.querySelector('.agree')).toBeTruthy()
  await page.instance.agree()
  await simulate.sleep(0)
  expect(calls.find((c) => c.path === '/me/consent').data).toEqual({ version: '2026-11' })
  expect(page.data.consented).toBe(true)
})

test('a product code\'s scene opens that product', async () => {
  const redirects = []
  jest.spyOn(wx, 'redirectTo').mockImplementation((o) => redirects.push(o.url))
  const page = mount('pages/entry/index')
  // The scene the Go API makes for product 01a2016a-e731-70bf-904e-512b9910ea8c.
  page.instance.onLoad({ scene: encodeURIComponent('p=AaIBaucxcL-QTlErmRDqjA') })
  expect(redirects).toEqual(['/pkg-goods/detail/index?id=01a2016a-e731-70bf-904e-512b9910ea8c'])
})

test('an in-store display code opens the home page', async () => {
  const tabs = []
  jest.spyOn(wx, 'switchTab').mockImplementation((o) => tabs.push(o.url))
  const page = mount('pages/entry/index')
  page.instance.onLoad({ scene: encodeURIComponent('s=shanghai-window') })
  expect(tabs).toEqual(['/pages/home/index'])
})

test('home shows banners from products with pictures and category entries that open the category page', async () => {
  mockAPI({ 'GET /products': fixture('products'), 'GET /categories': fixture('categories') })
  const navs = []
  jest.spyOn(wx, 'navigateTo').mockImplementation((o) => navs.push(o.url))
  const page = mount('pages/home/index')
  await waitFor(() => page.data.banners.length && page.data.categories.length)
  const products = fixture('products')
  expect(page.data.banners).toEqual([{ id: products.items[0].id, title: products.items[0].title,
    image: 'https://shop.example.com/api/shop/v1/stores/store-1/images/' + products.items[0].cover }])
  expect(page.querySelectorAll('.entry').map((e) => e.dom.textContent.trim())).toEqual(['上上衣', '配配饰'])
  page.querySelectorAll('.entry')[1].dispatchEvent('tap')
  await simulate.sleep(0)
  expect(navs).toEqual(['/pkg-goods/category/index?id=' + fixture('categories').items[1].id])
})

test('category page lists the tree and the products of the chosen category', async () => {
  const calls = mockAPI({ 'GET /categories': fixture('categories'), 'GET /products': fixture('products') })
  const page = mount('pkg-goods/category/index')
  const cats = fixture('categories')
  await page.instance.onLoad({ id: cats.items[0].children[0].id })
  await simulate.sleep(0)
  expect(page.data.categories.map((c) => c.name + c.level)).toEqual(['上衣0', '衬衫1', '配饰0'])
  expect(calls.find((c) => c.path === '/products').query).toContain('category_id=' + cats.items[0].children[0].id)
  expect(page.querySelector('.cat.on').dom.textContent).toBe('衬衫')
  await page.instance.tap({ currentTarget: { dataset: { id: cats.items[1].id } } })
  expect(calls.filter((c) => c.path === '/products').pop().query).toContain('category_id=' + cats.items[1].id)
})

test('a refund request carries the reason the shopper picked', async () => {
  const order = { id: 'order-1', order_no: '2611220001', status: 'shipped', total: 12900, lines: [{ id: 'l1', title: 'Linen shirt', quantity: 1 }],
    carrier: 'SF', tracking_no: 'SF1000000001' }
  const calls = mockAPI({ 'GET /orders/': order, 'POST /orders/': { id: 'refund-1', status: 'requested' } })
  jest.spyOn(wx, 'showActionSheet').mockImplementation((o) => o.success({ tapIndex: 2 }))
  jest.spyOn(wx, 'showToast').mockImplementation(() => {})
  const page = mount('pkg-order/detail/index')
  await page.instance.onLoad({ id: 'order-1' })
  await simulate.sleep(0)
  expect(page.querySelector('.tracking').dom.textContent).toContain('SF1000000001')
  expect(await page.instance.refund()).toBe(true)
  const post = calls.find((c) => c.method === 'POST')
  expect(post.path).toBe('/orders/order-1/refunds')
  expect(post.data).toEqual({ reason: '商品质量问题' })
  await simulate.sleep(0)
  expect(page.querySelector('.refund')).toBeFalsy()
})

test('the result page trusts the server, not the phone', async () => {
  let status = 'pending_payment'
  mockAPI({ 'GET /orders/': () => ({ id: 'order-1', status }) })
  const page = mount('pkg-order/result/index')
  const done = page.instance.onLoad({ id: 'order-1', ok: '1' })
  await waitFor(() => page.querySelector('.title')) // a loaded machine is slow
  expect(page.querySelector('.title').dom.textContent).toBe('支付处理中…')
  status = 'paid' // WeChat Pay's notification arrived
  await done
  expect(page.querySelector('.title').dom.textContent).toBe('支付成功')
})

test('user centre edits the profile and manages addresses', async () => {
  const calls = mockAPI({ 'GET /me': fixture('me'), 'PATCH /me': (o) => Object.assign(fixture('me'), o.data), 'GET /addresses': fixture('addresses'),
    'DELETE /addresses/': {} })
  wx.setStorageSync('shoplet.consent', '2026-11')
  const page = mount('pages/user/index')
  await waitFor(() => page.data.member)
  await page.instance.saveNickname({ detail: { value: ' 小明 ' } })
  expect(calls.find((c) => c.method === 'PATCH').data).toEqual({ nickname: '小明' })
  expect(page.data.nickname).toBe('小明')
  const addr = mount('pkg-order/addresses/index')
  await addr.instance.onLoad()
  await simulate.sleep(0)
  expect(addr.querySelector('.address').dom.textContent).toContain('南京西路 1 号')
  await addr.instance.remove({ currentTarget: { dataset: { id: fixture('addresses').items[0].id } } })
  expect(calls.find((c) => c.method === 'DELETE').path).toBe('/addresses/' + fixture('addresses').items[0].id)
})

test('home shows a closed store\'s screen with its service phone', async () => {
  mockAPI({ 'GET /products': fixture('products'), 'GET /categories': fixture('categories'), 'GET /status': { status: 'closed', service_phone: '400-820-8820' } })
  const called = []
  wx.makePhoneCall = (o) => called.push(o.phoneNumber)
  const page = mount('pages/home/index')
  await waitFor(() => page.data.closed)
  await simulate.sleep(0)
  const text = page.dom.textContent
  expect(text).toContain('店铺已暂停营业')
  expect(text).toContain('400-820-8820')
  expect(text).not.toContain('Linen shirt')
  expect(page.querySelector('.search')).toBeFalsy()
  page.instance.call()
  expect(called).toEqual(['400-820-8820'])
})

test('home is the shop while the store is open', async () => {
  const calls = mockAPI({ 'GET /products': fixture('products'), 'GET /categories': fixture('categories'), 'GET /status': { status: 'open' } })
  const open = mount('pages/home/index')
  await waitFor(() => open.data.items.length && calls.some((c) => c.path === '/status'))
  await simulate.sleep(10)
  expect(open.data.closed).toBe(false)
  expect(open.dom.textContent).toContain('Linen shirt')
  expect(open.dom.textContent).not.toContain('店铺已暂停营业')
})

test('home stays a shop when the status cannot be read', async () => {
  const calls = mockAPI({ 'GET /products': fixture('products'), 'GET /status': { __status: 500, body: {} } })
  const page = mount('pages/home/index')
  await waitFor(() => page.data.items.length && calls.some((c) => c.path === '/status'))
  await simulate.sleep(10)
  expect(page.data.closed).toBe(false)
  expect(page.dom.textContent).toContain('Linen shirt')
})
