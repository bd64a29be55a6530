// requestPayment opens WeChat Pay with the parameters the shop API signed and
// settles on the order either way: the result page asks the server, which
// learns the outcome from WeChat Pay's notification (never from the phone).
function requestPayment(payment) {
  return new Promise((resolve) => {
    wx.requestPayment(Object.assign({}, payment, {
      success: () => resolve(true),
      fail: () => resolve(false)
    }))
  })
}

module.exports = { requestPayment }
