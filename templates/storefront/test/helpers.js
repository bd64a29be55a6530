// Shared set-up: load a component or page of the template under
// miniprogram-simulate, and replay shop-API responses recorded from the Go API
// (fixtures/*.json) through a mocked wx.request that records every call.
const path = require('path')
const simulate = require('miniprogram-simulate')

const root = path.join(__dirname, '..')

// The brand binding a generated ext.json carries.
const ext = { storeId: 'store-1', apiBase: 'https://shop.example.com', name: 'Brand A', policyVersion: '2026-11', features: {},
  theme: { primary: '#E4002B', onPrimary: '#ffffff', background: '#FFF8F0' }, subscribe: ['tpl-paid', 'tpl-shipped'] }
global.wx = global.wx || {}

// miniprogram-simulate's wx stub keeps nothing; the pages rely on storage.
const store = new Map()
wx.setStorageSync = (k, v) => { store.set(k, v) }
wx.getStorageSync = (k) => (store.has(k) ? store.get(k) : '')
wx.removeStorageSync = (k) => { store.delete(k) }

function load(rel) {
  return simulate.load(path.join(root, rel), { rootPath: root })
}

function mount(rel, props) {
  const id = load(rel)
  const c = simulate.render(id, props || {})
  c.attach(document.createElement('parent-wrapper'))
  return c
}

// mockAPI answers wx.request by route; routes map "METHOD /path-prefix" to a
// body (or a function of the request). Returns the list of calls made.
function mockAPI(routes) {
  const calls = []
  wx.getExtConfigSync = () => ({ ext })
  jest.spyOn(wx, 'request').mockImplementation((opts) => {
    const u = new URL(opts.url)
    expect(u.origin).toBe(ext.apiBase)
    expect(u.pathname.startsWith('/api/shop/v1/stores/' + ext.storeId + '/')).toBe(true)
    const rel = u.pathname.replace(/^\/api\/shop\/v1\/stores\/[^/]*/, '')
    calls.push({ method: opts.method, path: rel, query: u.search, data: opts.data, header: opts.header })
    const key = Object.keys(routes).find((k) => {
      const [m, p] = k.split(' ')
      return m === opts.method && rel.startsWith(p)
    })
    setTimeout(() => {
      if (!key) return opts.success({ statusCode: 404, data: { error: { code: 'not_found', message: 'no route' } } })
      const body = typeof routes[key] === 'function' ? routes[key](opts) : routes[key]
      // fail(errMsg): the network failed; reply(status, body): an error answer.
      if (body && body.__fail) return opts.fail({ errMsg: body.__fail })
      if (body && body.__status) return opts.success({ statusCode: body.__status, data: body.body })
      opts.success({ statusCode: 200, data: body })
    }, 0)
  })
  return calls
}

// waitFor polls until check() is true (a loaded machine is slow), at most 2 s.
async function waitFor(check) {
  for (let i = 0; i < 200 && !check(); i++) await simulate.sleep(10)
}

const fail = (errMsg) => ({ __fail: errMsg })
const reply = (status, body) => ({ __status: status, body })

const fixture = (name) => JSON.parse(JSON.stringify(require('./fixtures/' + name + '.json')))

module.exports = { load, mount, mockAPI, fixture, simulate, ext, fail, reply, root, waitFor }
