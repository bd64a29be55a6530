// The privacy popup: on every page that calls a privacy-protected API. It
// shows itself when WeChat asks (utils/privacy.js) for the page on screen.
const privacy = require('../../utils/privacy')
const { binding } = require('../../utils/ext')

Component({
  data: { visible: false, name: '', buttonId: privacy.AGREE_BUTTON },
  lifetimes: {
    attached() { this.setData({ name: binding().name }); privacy.register(this) },
    detached() { privacy.unregister(this) }
  },
  pageLifetimes: {
    show() { privacy.register(this) }, // the page on screen answers
    hide() { privacy.unregister(this) }
  },
  methods: {
    show() { this.setData({ visible: true }) },
    agree() {
      this.setData({ visible: false })
      return privacy.agree().then(() => this.triggerEvent('agreed'), () => {})
    },
    disagree() {
      this.setData({ visible: false })
      privacy.disagree()
    },
    contract() { privacy.openContract() }
  }
})
