// Offline validation of generated mini-programs with miniprogram-ci: compile
// each project as it will be uploaded (a platform package with ext.json merged
// into app.json and checked, as a third-party platform would; an own-upload
// package as it is), report per-package sizes, and fail on any compile error.
// WeChat's servers are unreachable here, so the project attributes come from
// miniprogram-ci's own defaults (an internal hook; the version is pinned), and
// its calls to servicewechat.com (the extension white list, usage reports)
// are answered "offline" at once instead of being sent; any other connection
// that leaves this machine fails the run.
//
//   node validate.js <project-dir> [<project-dir> ...]
const fs = require('fs')
const os = require('os')
const net = require('net')
const path = require('path')
const crypto = require('crypto')

const stubbed = []
const ciRequest = require('miniprogram-ci/dist/utils/request')
ciRequest.request = (opt) => {
  stubbed.push(opt.url.split('?')[0])
  const p = Promise.reject(Object.assign(new Error('offline: ' + opt.url), { code: 'offline' }))
  p.catch(() => {})
  return { then: (a, b) => p.then(a, b), catch: (b) => p.catch(b), abort() {} }
}
ciRequest.simpleRequest = (opt, cb) => {
  stubbed.push(opt.url)
  if (typeof cb === 'function') setImmediate(() => cb(new Error('offline: ' + opt.url)))
}
const outside = []
const connect = net.Socket.prototype.connect
net.Socket.prototype.connect = function (...args) {
  const o = args[0]
  const host = o && typeof o === 'object' ? o.host || o.path || '' : ''
  if (host && !o.path && !/^(127\.|::1$|localhost$)/.test(host)) {
    outside.push(host)
    throw new Error('validate.js: no network: ' + host)
  }
  return connect.apply(this, args)
}

const ci = require('miniprogram-ci')
const { DefaultProjectAttr } = require('miniprogram-ci/dist/index.js')

async function validate(dir) {
  const appid = JSON.parse(fs.readFileSync(path.join(dir, 'project.config.json'), 'utf8')).appid
  const keyPath = path.join(os.tmpdir(), 'shoplet-ci-dummy.key')
  if (!fs.existsSync(keyPath)) {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs1', format: 'pem' }))
  }
  const project = new ci.Project({ appid, type: 'miniProgram', projectPath: dir, privateKeyPath: keyPath, ignores: ['node_modules/**/*'] })
  const platform = fs.existsSync(path.join(dir, 'ext.json'))
  project.attr = async () => Object.assign(JSON.parse(JSON.stringify(DefaultProjectAttr)), { platform })
  const out = path.join(os.tmpdir(), 'shoplet-compiled-' + path.basename(dir) + '.zip')
  await ci.getCompiledResult({ project, version: '1.0.0', setting: { es6: true, minify: true } }, out)
  const quality = await ci.checkCodeQuality(project)
  const sizes = (quality || []).find((q) => q.name === 'PACKAGE_SIZE_LIMIT')
  return { dir, mode: platform ? 'platform' : 'own', compiledBytes: fs.statSync(out).size, sizes: sizes ? sizes.detail : null }
}

;(async () => {
  let failed = 0
  const cwd = process.cwd()
  for (const dir of process.argv.slice(2)) {
    process.chdir(os.tmpdir()) // miniprogram-ci leaves cache folders in the working directory
    try {
      const r = await validate(path.resolve(cwd, dir))
      console.log('compiled', dir, '(' + r.mode + ')', r.compiledBytes, 'bytes; package sizes', JSON.stringify(r.sizes))
    } catch (e) {
      failed++
      console.log('refused ', dir, (e && (e.message || e.code)) || e)
    }
  }
  console.log(`validation: ${process.argv.length - 2 - failed} project(s) compiled, ${failed} refused; ` +
    `${stubbed.length} servicewechat.com call(s) answered offline, ${outside.length} outside connection(s) attempted`)
  if (outside.length) {
    console.log('outside connections:', outside.join(', '))
    process.exit(2)
  }
  process.exit(failed ? 1 : 0)
})()
