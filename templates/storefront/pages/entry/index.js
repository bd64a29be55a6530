// Entry from a mini-program code printed on packaging or shown in a store:
// the scene says what to open ("p=<product id in base64url>").
const HEX = '0123456789abcdef'

function uuidFromBase64url(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let bits = 0
  let value = 0
  const bytes = []
  for (const ch of s) {
    const v = alphabet.indexOf(ch)
    if (v < 0) return ''
    value = (value << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes.push((value >> bits) & 0xff)
    }
  }
  if (bytes.length !== 16) return ''
  const hex = bytes.map((b) => HEX[b >> 4] + HEX[b & 15]).join('')
  return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20)
}

// target turns a scene into the page to open: "p=<id>" a product, "s=<label>"
// an in-store display (the home page; the label is kept for attribution).
function target(scene) {
  scene = decodeURIComponent(scene || '')
  if (scene.indexOf('p=') === 0) {
    const id = uuidFromBase64url(scene.slice(2))
    if (id) return '/pkg-goods/detail/index?id=' + id
  }
  return '/pages/home/index'
}

function displayLabel(scene) {
  scene = decodeURIComponent(scene || '')
  return scene.indexOf('s=') === 0 ? scene.slice(2) : ''
}

const page = require('../../behaviors/page')

Component({
  behaviors: [page],
  methods: {
    onLoad(query) {
      const label = displayLabel(query && query.scene)
      const app = typeof getApp === 'function' ? getApp() : null
      if (label && app && app.globalData) app.globalData.shareFrom = 'display:' + label
      const url = target(query && query.scene)
      if (url === '/pages/home/index') wx.switchTab({ url })
      else wx.redirectTo({ url })
    }
  }
})

module.exports = { target, displayLabel }
