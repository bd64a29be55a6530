// sharePath adds the sharer (the signed-in member) to a share card's path, so
// the shopper who opens it is attributed; without a member, no empty "from=".
const api = require('./api')

function sharePath(path) {
  const me = api.memberId()
  if (!me) return path
  return path + (path.indexOf('?') >= 0 ? '&' : '?') + 'from=' + encodeURIComponent(me)
}

module.exports = { sharePath }
