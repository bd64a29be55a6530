// The shop API client: every path is relative to this brand's store; the
// shop token from login rides in Authorization. Errors reach pages as
// sentences a shopper can read (Chinese), with the server's code kept; a
// request waits for a sign-in in flight, and an expired session signs in
// again once and retries.
const { binding } = require('./ext')

const TOKEN_KEY = 'shoplet.token'
const MEMBER_KEY = 'shoplet.member'

let loginInFlight = null

function base() {
  const b = binding()
  return b.apiBase.replace(/\/$/, '') + '/api/shop/v1/stores/' + encodeURIComponent(b.storeId)
}

// Messages by the API's error codes and kinds (tenant/api/errors.go).
const messages = {
  network: '网络连接失败，请检查网络后重试',
  timeout: '网络超时，请稍后重试',
  not_configured: '小程序尚未完成配置，请联系商家',
  unauthenticated: '登录已失效，请重试',
  rate_limited: '操作太频繁，请稍后再试',
  sold_out: '库存不足，请调整数量',
  not_found: '内容不存在或已下架',
  conflict: '状态已变化，请刷新后重试',
  file_too_large: '文件太大了',
  coupon_gone: '来晚了，优惠券已被抢光',
  limit_reached: '你已经领过这张券了',
  daily_limit_reached: '今天已经领过了，明天再来吧',
  coupon_unavailable: '优惠券刚被其他订单使用，已重新计算价格',
  store_closed: '店铺已暂停营业，暂时无法下单',
  internal: '服务开小差了，请稍后重试'
}

function apiError(status, body) {
  const e = (body && body.error) || {}
  const code = e.code || (status >= 500 ? 'internal' : 'http_' + status)
  let message = messages[code]
  if (!message && status === 404) message = messages.not_found
  if (!message && status === 409) message = messages.conflict
  if (!message && status === 429) message = messages.rate_limited
  if (!message && status >= 500) message = messages.internal
  if (!message && e.fields && e.fields.length) message = '请检查填写的内容'
  return Object.assign(new Error(message || e.message || '请求失败，请稍后重试'), { code, status, fields: e.fields || [], detail: e.message || '' })
}

function networkError(err) {
  const msg = (err && err.errMsg) || ''
  const code = /timeout/i.test(msg) ? 'timeout' : 'network'
  return Object.assign(new Error(messages[code]), { code, detail: msg })
}

function send(method, path, data) {
  return new Promise((resolve, reject) => {
    if (!binding().configured) return reject(Object.assign(new Error(messages.not_configured), { code: 'not_configured' }))
    const token = wx.getStorageSync(TOKEN_KEY)
    wx.request({
      url: base() + path,
      method,
      data,
      header: Object.assign({ 'Content-Type': 'application/json' }, token ? { Authorization: 'Bearer ' + token } : {}),
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(res.data)
        else reject(apiError(res.statusCode, res.data))
      },
      fail(err) { reject(networkError(err)) }
    })
  })
}

function request(method, path, data, retried) {
  const wait = loginInFlight && path !== '/login' ? loginInFlight.catch(() => {}) : Promise.resolve()
  return wait.then(() => send(method, path, data)).catch((err) => {
    if (err.status === 401 && path !== '/login' && !retried) {
      return login().then(() => request(method, path, data, true))
    }
    throw err
  })
}

// login exchanges a wx.login code for a shop token, recording how the shopper
// arrived (scene) and who shared the page (attribution). Concurrent callers
// share one sign-in.
function login(opts) {
  if (loginInFlight) return loginInFlight
  opts = opts || {}
  const app = typeof getApp === 'function' ? getApp() : null
  const g = (app && app.globalData) || {}
  loginInFlight = new Promise((resolve, reject) => {
    wx.login({
      success(res) {
        send('POST', '/login', { code: res.code, scene: opts.scene || g.scene || '', share_from: opts.shareFrom || g.shareFrom || '' })
          .then((out) => {
            wx.setStorageSync(TOKEN_KEY, out.token)
            const id = (out.member && out.member.id) || ''
            wx.setStorageSync(MEMBER_KEY, id)
            if (app && app.globalData) app.globalData.memberId = id
            resolve(out)
          }, reject)
      },
      fail: (err) => reject(networkError(err))
    })
  })
  const done = () => { loginInFlight = null }
  loginInFlight.then(done, done)
  return loginInFlight
}

// memberId is the signed-in shopper's id (share cards carry it).
function memberId() {
  const app = typeof getApp === 'function' ? getApp() : null
  return (app && app.globalData && app.globalData.memberId) || wx.getStorageSync(MEMBER_KEY) || ''
}

// forget drops the session and member id on this phone (after the account
// is deleted: nothing of the shopper stays behind).
function forget() {
  wx.removeStorageSync(TOKEN_KEY)
  wx.removeStorageSync(MEMBER_KEY)
  const app = typeof getApp === 'function' ? getApp() : null
  if (app && app.globalData) app.globalData.memberId = ''
}

// imageURL is a product image's address (served publicly by the shop API).
function imageURL(id) {
  return id ? base() + '/images/' + id : ''
}

// assetURL makes a path of the shop API (an uploaded avatar) absolute.
function assetURL(u) {
  if (!u) return ''
  return u.indexOf('/api/shop/') === 0 ? binding().apiBase.replace(/\/$/, '') + u : u
}

// richText makes a description's own image paths absolute for <rich-text>
// (the server keeps only safe elements, and images of the store or https).
function richText(html) {
  const origin = binding().apiBase.replace(/\/$/, '')
  return (html || '').replace(/src="\/api\/shop\//g, 'src="' + origin + '/api/shop/').replace(/<img /g, '<img style="max-width:100%;height:auto;display:block" ')
}

// uploadAvatar sends the file WeChat's avatar picker left on the phone.
function uploadAvatar(filePath, retried) {
  const wait = loginInFlight ? loginInFlight.catch(() => {}) : Promise.resolve()
  return wait.then(() => new Promise((resolve, reject) => {
    const token = wx.getStorageSync(TOKEN_KEY)
    wx.uploadFile({
      url: base() + '/me/avatar',
      filePath,
      name: 'file',
      header: token ? { Authorization: 'Bearer ' + token } : {},
      success(res) {
        let body = res.data
        try { body = typeof body === 'string' ? JSON.parse(body) : body } catch (e) { body = {} }
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(body)
        else reject(apiError(res.statusCode, body))
      },
      fail(err) { reject(networkError(err)) }
    })
  })).catch((err) => {
    if (err.status === 401 && !retried) return login().then(() => uploadAvatar(filePath, true))
    throw err
  })
}

module.exports = {
  request,
  login,
  memberId,
  forget,
  imageURL,
  assetURL,
  richText,
  uploadAvatar,
  products: (query) => request('GET', '/products' + (query || '')),
  product: (id) => request('GET', '/products/' + encodeURIComponent(id)),
  cart: () => request('GET', '/cart'),
  setCart: (skuId, quantity) => request('PUT', '/cart/' + encodeURIComponent(skuId), { quantity }),
  addAddress: (a) => request('POST', '/addresses', a),
  checkout: (input) => request('POST', '/checkout', input),
  // The server's price of items (or the cart when items is empty): lines with
  // their adjustments, discounts, shipping, total, the coupons held (the best
  // one applied unless coupon_id names one or no_coupon is set).
  preview: (input) => request('POST', '/checkout/preview', input),
  couponCentre: () => request('GET', '/coupons'),
  claimCoupon: (id) => request('POST', '/coupons/' + encodeURIComponent(id) + '/claim'),
  myCoupons: (status) => request('GET', '/me/coupons?status=' + encodeURIComponent(status)),
  // Phone: a getPhoneNumber code (mainland stores) or a typed number (overseas).
  setPhone: (input) => request('PUT', '/me/phone', input),
  exportData: () => request('GET', '/me/export'),
  deleteAccount: () => request('DELETE', '/me'),
  orders: (query) => request('GET', '/orders' + (query || '')),
  order: (id) => request('GET', '/orders/' + encodeURIComponent(id)),
  cancel: (id) => request('POST', '/orders/' + encodeURIComponent(id) + '/cancel'),
  receipt: (id) => request('POST', '/orders/' + encodeURIComponent(id) + '/receipt'),
  categories: () => request('GET', '/categories'),
  // Whether the store is open ({status: open|closed, service_phone}).
  status: () => request('GET', '/status'),
  me: () => request('GET', '/me'),
  updateProfile: (p) => request('PATCH', '/me', p),
  addresses: () => request('GET', '/addresses'),
  deleteAddress: (id) => request('DELETE', '/addresses/' + encodeURIComponent(id)),
  pay: (id) => request('POST', '/orders/' + encodeURIComponent(id) + '/pay'),
  consent: (version) => request('POST', '/me/consent', { version }),
  refund: (id, reason) => request('POST', '/orders/' + encodeURIComponent(id) + '/refunds', { reason })
}
