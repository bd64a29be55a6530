// binding returns this brand's configuration from ext.json (third-party
// platform); in a plain project without ext, the defaults below.
function binding() {
  let ext = {}
  try {
    ext = (wx.getExtConfigSync && wx.getExtConfigSync().ext) || {}
  } catch (e) { ext = {} }
  return {
    storeId: ext.storeId || '',
    apiBase: ext.apiBase || 'http://127.0.0.1:8080',
    name: ext.name || 'Shoplet',
    features: ext.features || {},
    policyVersion: ext.policyVersion || '1'
  }
}
module.exports = { binding }
