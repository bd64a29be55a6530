// The shop API client: every path is relative to this brand's store; the
// shop token from login rides in Authorization.
const { binding } = require('./ext')

const TOKEN_KEY = 'shoplet.token'

function base() {
  const b = binding()
  return b.apiBase.replace(/\/$/, '') + '/api/shop/v1/stores/' + b.storeId
}

function request(method, path, data) {
  return new Promise((resolve, reject) => {
    const token = wx.getStorageSync(TOKEN_KEY)
    wx.request({
      url: base() + path,
      method,
      data,
      header: Object.assign({ 'Content-Type': 'application/json' }, token ? { Authorization: 'Bearer ' + token } : {}),
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          resolve(res.data)
        } else {
          const e = (res.data && res.data.error) || { code: 'http_' + res.statusCode, message: 'request failed' }
          reject(Object.assign(new Error(e.message), { code: e.code, status: res.statusCode, fields: e.fields || [] }))
        }
      },
      fail(err) { reject(Object.assign(new Error((err && err.errMsg) || 'network error'), { code: 'network' })) }
    })
  })
}

// login exchanges a wx.login code for a shop token, recording how the shopper
// arrived (scene) and who shared the page (attribution).
function login(opts) {
  opts = opts || {}
  return new Promise((resolve, reject) => {
    wx.login({
      success(res) {
        request('POST', '/login', { code: res.code, scene: opts.scene || '', share_from: opts.shareFrom || '' })
          .then((out) => { wx.setStorageSync(TOKEN_KEY, out.token); resolve(out) }, reject)
      },
      fail: reject
    })
  })
}

// imageURL is a product image's address (served publicly by the shop API).
function imageURL(id) {
  return id ? base() + '/images/' + id : ''
}

// richText makes a description's own image paths absolute for <rich-text>
// (the server keeps only safe elements, and images of the store or https).
function richText(html) {
  const origin = binding().apiBase.replace(/\/$/, '')
  return (html || '').replace(/src="\/api\/shop\//g, 'src="' + origin + '/api/shop/').replace(/<img /g, '<img style="max-width:100%;height:auto;display:block" ')
}

module.exports = {
  request,
  login,
  imageURL,
  richText,
  products: (query) => request('GET', '/products' + (query || '')),
  product: (id) => request('GET', '/products/' + id),
  cart: () => request('GET', '/cart'),
  setCart: (skuId, quantity) => request('PUT', '/cart/' + skuId, { quantity }),
  addAddress: (a) => request('POST', '/addresses', a),
  checkout: (input) => request('POST', '/checkout', input),
  orders: () => request('GET', '/orders'),
  order: (id) => request('GET', '/orders/' + id),
  categories: () => request('GET', '/categories'),
  me: () => request('GET', '/me'),
  updateProfile: (p) => request('PATCH', '/me', p),
  addresses: () => request('GET', '/addresses'),
  deleteAddress: (id) => request('DELETE', '/addresses/' + id),
  pay: (id) => request('POST', '/orders/' + id + '/pay'),
  consent: (version) => request('POST', '/me/consent', { version }),
  refund: (id, reason) => request('POST', '/orders/' + id + '/refunds', { reason })
}
