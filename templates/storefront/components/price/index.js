const { yuan } = require('../../utils/money')

Component({
  properties: { fen: { type: Number, value: 0 }, market: { type: Number, value: 0 } },
  data: { text: '¥0.00', marketText: '' },
  observers: {
    'fen, market': function (fen, market) {
      this.setData({ text: yuan(fen), marketText: market > fen ? yuan(market) : '' })
    }
  }
})
