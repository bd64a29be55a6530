// WeChat asks before a privacy-protected API (chooseAddress, chooseAvatar,
// nickname, getPhoneNumber) runs for a shopper who has not agreed yet:
// wx.onNeedPrivacyAuthorization hands over a resolve function. One listener
// (installed at launch) passes it to the privacy popup of the page on screen;
// the popup's agree button has the id the resolve names.
const api = require('./api')
const { binding } = require('./ext')

const AGREE_BUTTON = 'agree-privacy'
const CONSENT_KEY = 'shoplet.consent'
let pending = null
const popups = []

function install() {
  if (!wx.onNeedPrivacyAuthorization) return
  wx.onNeedPrivacyAuthorization((resolve) => {
    pending = resolve
    const top = popups[popups.length - 1]
    if (top) top.show()
    else { resolve({ event: 'disagree' }); pending = null } // no page can ask: WeChat refuses the call
  })
}

function register(popup) {
  unregister(popup)
  popups.push(popup)
}

function unregister(popup) {
  const i = popups.indexOf(popup)
  if (i >= 0) popups.splice(i, 1)
}

// agree tells WeChat (the pending call goes on) and records which policy
// version the shopper agreed to; the server stamps when.
function agree() {
  if (pending) pending({ event: 'agree', buttonId: AGREE_BUTTON })
  pending = null
  const version = binding().policyVersion
  return api.consent(version).then(() => { wx.setStorageSync(CONSENT_KEY, version); return version })
}

function disagree() {
  if (pending) pending({ event: 'disagree' })
  pending = null
}

function agreedVersion() { return wx.getStorageSync(CONSENT_KEY) || '' }

function openContract() {
  if (wx.openPrivacyContract) wx.openPrivacyContract({})
}

module.exports = { install, register, unregister, agree, disagree, agreedVersion, openContract, AGREE_BUTTON }
