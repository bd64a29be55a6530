// binding returns this brand's configuration: from ext.json when the package
// is the third-party platform's code template (each brand's ext arrives with
// its commit), else from utils/config.js, which the generator writes for a
// package the brand uploads itself. Neither: not configured, and the API
// client says so instead of calling some default server.
const COLOR = /^#[0-9a-fA-F]{6}$/

function color(v, fallback) {
  return typeof v === 'string' && COLOR.test(v) ? v : fallback
}

function binding() {
  let ext = {}
  try {
    ext = (wx.getExtConfigSync && wx.getExtConfigSync().ext) || {}
  } catch (e) { ext = {} }
  if (!ext.storeId) ext = require('./config') || {}
  const theme = ext.theme || {}
  return {
    configured: !!(ext.storeId && ext.apiBase),
    storeId: ext.storeId || '',
    apiBase: ext.apiBase || '',
    name: ext.name || '',
    mode: ext.mode || '',
    features: ext.features || {},
    policyVersion: ext.policyVersion || '1',
    subscribe: Array.isArray(ext.subscribe) ? ext.subscribe.filter((id) => typeof id === 'string' && id) : [],
    theme: { primary: color(theme.primary, '#fa4126'), onPrimary: color(theme.onPrimary, '#ffffff'), background: color(theme.background, '#f5f5f5') }
  }
}

// themeStyle is the brand's colours as the CSS variables app.wxss and the
// components use, for <page-meta page-style>: the platform's code template is
// shared by every brand, so its theme.wxss cannot carry one brand's colours.
function themeStyle() {
  const t = binding().theme
  return '--primary: ' + t.primary + '; --on-primary: ' + t.onPrimary + '; --bg: ' + t.background + ';'
}

module.exports = { binding, themeStyle }
