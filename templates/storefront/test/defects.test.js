// The defects a brand could not launch with (issue 13), each pinned by a test.
const fs = require('fs')
const path = require('path')
const { mount, mockAPI, fixture, simulate, ext, fail, reply, root, waitFor } = require('./helpers')

const app = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'))
const pages = app.pages.concat(...app.subpackages.map((s) => s.pages.map((p) => s.root + '/' + p)))
const read = (rel) => fs.readFileSync(path.join(root, rel), 'utf8')

beforeEach(() => {
  jest.resetModules()
  jest.restoreAllMocks()
  wx.setStorageSync('shoplet.token', 'shop-token-1')
  wx.removeStorageSync('shoplet.member')
  global.getApp = () => ({ globalData: {} })
})

describe('1. brand colours reach the running mini-program (ext, CSS variables)', () => {
  test('every page applies the theme from its first node', () => {
    for (const p of pages) {
      expect([p, read(p + '.wxml').split('\n')[0]]).toEqual([p, '<page-meta page-style="{{themeStyle}}" />'])
      expect([p, /behaviors: \[page\]/.test(read(p + '.js'))]).toEqual([p, true])
    }
  })

  test('a page carries the colours of the brand in ext, and ignores what is not a colour', async () => {
    mockAPI({ 'GET /products': fixture('products'), 'GET /categories': { items: [] } })
    const page = mount('pages/home/index')
    await waitFor(() => page.data.themeStyle)
    expect(page.data.themeStyle).toBe('--primary: #E4002B; --on-primary: #ffffff; --bg: #FFF8F0;')
    const saved = ext.theme
    ext.theme = { primary: 'red; } page { color: red', background: '#101010' }
    const other = mount('pages/user/index')
    await simulate.sleep(0)
    expect(other.data.themeStyle).toBe('--primary: #fa4126; --on-primary: #ffffff; --bg: #101010;')
    ext.theme = saved
  })
})

describe('2. privacy: one popup on every page that calls a privacy-protected API', () => {
  test('pages that call privacy-protected APIs carry the popup', () => {
    const protectedAPI = /wx\.(chooseAddress|getLocation|chooseMedia|chooseImage|saveImageToPhotosAlbum)|open-type="(chooseAvatar|getPhoneNumber)"|type="nickname"/
    const using = pages.filter((p) => protectedAPI.test(read(p + '.js') + read(p + '.wxml')))
    expect(using.sort()).toEqual(['pages/user/index', 'pkg-order/addresses/index', 'pkg-order/confirm/index'])
    for (const p of using) {
      expect([p, JSON.parse(read(p + '.json')).usingComponents['privacy-popup']]).toEqual([p, '/components/privacy-popup/index'])
      expect([p, read(p + '.wxml').includes('<privacy-popup')]).toEqual([p, true])
    }
  })

  test('WeChat\'s request opens the popup of the page on screen; agreeing resolves with the button\'s id and records consent', async () => {
    let need = null
    wx.onNeedPrivacyAuthorization = (fn) => { need = fn }
    const contracts = []
    wx.openPrivacyContract = (o) => contracts.push(o)
    const calls = mockAPI({ 'POST /checkout/preview': { lines: [], coupons: [], adjustments: [] }, 'GET /me/coupons': { items: [] }, 'GET /addresses': { items: [] }, 'POST /me/consent': { consent_version: '2026-11' } })
    require('../utils/privacy').install()
    const page = mount('pkg-order/confirm/index')
    await page.instance.onLoad({ from: 'cart' })
    const popup = page.querySelector('.privacy')
    expect(popup.data.visible).toBe(false)
    const resolved = []
    need((r) => resolved.push(r)) // WeChat: chooseAddress waits for consent
    await simulate.sleep(0)
    expect(popup.data.visible).toBe(true)
    // The agree button has the id the resolve names.
    expect(popup.querySelector('#agree-privacy').dom.textContent).toBe('同意并继续')
    popup.querySelector('.link').dispatchEvent('tap')
    await simulate.sleep(0)
    expect(contracts.length).toBe(1)
    await popup.instance.agree()
    expect(resolved).toEqual([{ event: 'agree', buttonId: 'agree-privacy' }])
    expect(calls.find((c) => c.path === '/me/consent').data).toEqual({ version: '2026-11' })
    expect(popup.data.visible).toBe(false)
  })
})

describe('4. share attribution', () => {
  test('sign-in keeps the member id and share paths carry it; without it, no empty from=', async () => {
    mockAPI({ 'POST /login': { token: 'tok-2', member: { id: 'member-7' } }, 'GET /products/': fixture('product') })
    wx.login = (o) => o.success({ code: 'c1' })
    const g = { globalData: {} }
    global.getApp = () => g
    const anon = mount('pkg-goods/detail/index')
    await anon.instance.onLoad({ id: 'p-1' })
    expect(anon.instance.onShareAppMessage().path).toBe('/pkg-goods/detail/index?id=p-1')
    await require('../utils/api').login({})
    expect(g.globalData.memberId).toBe('member-7')
    expect(anon.instance.onShareAppMessage().path).toBe('/pkg-goods/detail/index?id=p-1&from=member-7')
    expect(anon.instance.onShareTimeline().query).toBe('id=p-1&from=member-7')
  })
})

describe('6. avatar', () => {
  test('the chosen avatar is uploaded, and the store\'s URL kept, never the phone\'s temporary path', async () => {
    const calls = mockAPI({ 'GET /me': fixture('me') })
    const uploads = []
    wx.uploadFile = (o) => {
      uploads.push(o)
      setTimeout(() => o.success({ statusCode: 200, data: JSON.stringify(Object.assign(fixture('me'), { avatar_url: '/api/shop/v1/stores/store-1/images/img-1' })) }), 0)
    }
    const page = mount('pages/user/index')
    await simulate.sleep(0)
    await page.instance.chooseAvatar({ detail: { avatarUrl: 'wxfile://tmp_avatar.png' } })
    expect(uploads[0].url).toBe('https://shop.example.com/api/shop/v1/stores/store-1/me/avatar')
    expect(uploads[0].filePath).toBe('wxfile://tmp_avatar.png')
    expect(uploads[0].header.Authorization).toBe('Bearer shop-token-1')
    expect(page.data.avatar).toBe('https://shop.example.com/api/shop/v1/stores/store-1/images/img-1')
    expect(calls.filter((c) => c.method === 'PATCH')).toEqual([])
  })
})

describe('7. errors', () => {
  test('a timeout reads as Chinese, and the detail page offers a retry instead of a blank page', async () => {
    let down = true
    mockAPI({ 'GET /products/': () => (down ? fail('request:fail timeout') : fixture('product')) })
    const page = mount('pkg-goods/detail/index')
    await page.instance.onLoad({ id: fixture('product').id })
    await simulate.sleep(0)
    expect(page.dom.textContent).toContain('网络超时，请稍后重试')
    expect(page.dom.textContent).not.toContain('request:fail')
    down = false
    page.querySelector('.retry').dispatchEvent('tap')
    await waitFor(() => page.data.product)
    expect(page.dom.textContent).toContain('Linen shirt')
  })

  test('a cart that fails to load says so, not "empty"', async () => {
    mockAPI({ 'GET /cart': reply(500, { error: { code: 'internal', message: 'internal error' } }) })
    const page = mount('pages/cart/index')
    await waitFor(() => !page.data.loading)
    expect(page.dom.textContent).not.toContain('购物车是空的')
    expect(page.dom.textContent).toContain('服务开小差了，请稍后重试')
    expect(page.querySelector('.retry')).toBeTruthy()
  })

  test('an expired session signs in again once and retries', async () => {
    let token = ''
    const calls = mockAPI({
      'POST /login': () => { token = 'fresh'; return { token: 'fresh', member: { id: 'm1' } } },
      'GET /me': (o) => (o.header.Authorization === 'Bearer fresh' ? fixture('me') : reply(401, { error: { code: 'unauthenticated', message: 'session expired' } }))
    })
    wx.login = (o) => o.success({ code: 'c2' })
    wx.setStorageSync('shoplet.token', 'expired')
    const me = await require('../utils/api').me()
    expect(me.id).toBe(fixture('me').id)
    expect(token).toBe('fresh')
    expect(calls.map((c) => c.method + ' ' + c.path)).toEqual(['GET /me', 'POST /login', 'GET /me'])
  })

  test('a request made while the launch sign-in runs waits for its token', async () => {
    wx.removeStorageSync('shoplet.token')
    const calls = mockAPI({ 'POST /login': { token: 'launch', member: { id: 'm1' } }, 'GET /me': fixture('me') })
    let finish
    wx.login = (o) => { finish = () => o.success({ code: 'c3' }) }
    const api = require('../utils/api')
    const login = api.login({})
    const me = api.me()
    await simulate.sleep(0)
    expect(calls).toEqual([]) // /me waits
    finish()
    await login
    await me
    expect(calls.map((c) => c.path)).toEqual(['/login', '/me'])
    expect(calls[1].header.Authorization).toBe('Bearer launch')
  })
})

describe('9. a package without a binding does not call a default server', () => {
  test('no ext and no baked configuration: the request is refused with a message', async () => {
    wx.getExtConfigSync = () => ({})
    const req = jest.spyOn(wx, 'request')
    await expect(require('../utils/api').products('')).rejects.toMatchObject({ code: 'not_configured' })
    expect(req).not.toHaveBeenCalled()
  })
})

describe('10. components do not inherit app.wxss', () => {
  test('a class defined only in app.wxss is not used inside a component', () => {
    const global = new Set((read('app.wxss').match(/\.([a-zA-Z][\w-]*)/g) || []).map((c) => c.slice(1)))
    const comps = fs.readdirSync(path.join(root, 'components'))
    expect(comps.length).toBeGreaterThan(2)
    for (const c of comps) {
      const base = 'components/' + c + '/index'
      const json = JSON.parse(read(base + '.json'))
      if (json.styleIsolation === 'apply-shared' || json.styleIsolation === 'shared' || /addGlobalClass:\s*true/.test(read(base + '.js'))) continue
      const own = new Set((read(base + '.wxss').match(/\.([a-zA-Z][\w-]*)/g) || []).map((x) => x.slice(1)))
      const used = [].concat(...(read(base + '.wxml').match(/class="[^"]*"/g) || []).map((a) => a.slice(7, -1).replace(/\{\{[^}]*\}\}/g, ' ').split(/\s+/)))
      const missing = used.filter((u) => u && global.has(u) && !own.has(u))
      expect([base, missing]).toEqual([base, []])
    }
  })
})

describe('shopper expectations', () => {
  test('orders: status tabs, cancel before paying, confirm receipt', async () => {
    const orders = { items: [{ id: 'o1', order_no: '1', status: 'pending_payment', total: 9900 }, { id: 'o2', order_no: '2', status: 'shipped', total: 12900 }], next_cursor: 'c2' }
    const calls = mockAPI({ 'GET /orders': orders, 'POST /orders/o1/cancel': { id: 'o1', status: 'closed' }, 'POST /orders/o2/receipt': { id: 'o2', status: 'completed' } })
    wx.showModal = (o) => o.success({ confirm: true })
    jest.spyOn(wx, 'showToast').mockImplementation(() => {})
    const page = mount('pkg-order/list/index')
    await page.instance.onLoad({ status: 'pending_payment' })
    expect(calls[0].query).toBe('?status=pending_payment')
    expect(page.querySelector('.tab.on').dom.textContent).toBe('待付款')
    expect(page.querySelectorAll('.cancel').length).toBe(1)
    expect(page.querySelectorAll('.receive').length).toBe(1)
    await page.instance.cancel({ currentTarget: { dataset: { id: 'o1' } } })
    await page.instance.receive({ currentTarget: { dataset: { id: 'o2' } } })
    await simulate.sleep(0)
    expect(page.data.orders.map((o) => o.label)).toEqual(['已关闭', '已完成'])
    expect(page.querySelectorAll('.cancel').length + page.querySelectorAll('.receive').length).toBe(0)
    await page.instance.more()
    expect(calls.filter((c) => c.path === '/orders').pop().query).toBe('?status=pending_payment&cursor=c2')
    await page.instance.tab({ currentTarget: { dataset: { status: 'shipped' } } })
    expect(calls.filter((c) => c.path === '/orders').pop().query).toBe('?status=shipped')
  })

  test('cart: stepper sets the quantity, an unavailable line warns and blocks checkout', async () => {
    let lines = [{ sku_id: 'sku-1', title: 'Logo tee', spec: { size: 'M' }, price: 9900, quantity: 1, available: true },
      { sku_id: 'sku-2', title: 'Linen shirt', spec: {}, price: 12900, quantity: 3, available: false }]
    const calls = mockAPI({ 'GET /cart': () => ({ items: lines }), 'PUT /cart/': (o) => { lines[0] = Object.assign({}, lines[0], { quantity: o.data.quantity }); return {} } })
    const page = mount('pages/cart/index')
    await waitFor(() => page.data.lines.length > 0)
    expect(page.dom.textContent).toContain('库存不足或已下架')
    expect(page.data.blocked).toBe(true)
    await page.instance.step({ currentTarget: { dataset: { sku: 'sku-1', delta: '1' } } })
    expect(calls.find((c) => c.method === 'PUT').data).toEqual({ quantity: 2 })
    expect(page.data.total).toBe(19800)
  })

  test('customer service on product and order pages', () => {
    for (const p of ['pkg-goods/detail/index', 'pkg-order/detail/index']) {
      expect([p, read(p + '.wxml').includes('open-type="contact"')]).toEqual([p, true])
    }
  })
})
