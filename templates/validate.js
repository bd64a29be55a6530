// Offline validation of generated mini-programs with miniprogram-ci: compile
// each project as a third-party platform would (ext.json merged into app.json
// and checked), report per-package sizes, and fail on any compile error.
// WeChat's servers are unreachable here, so the project attributes come from
// miniprogram-ci's own defaults (an internal hook; the version is pinned).
//
//   node validate.js <project-dir> [<project-dir> ...]
const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
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
  project.attr = async () => Object.assign(JSON.parse(JSON.stringify(DefaultProjectAttr)), { platform: true })
  const out = path.join(os.tmpdir(), 'shoplet-compiled-' + path.basename(dir) + '.zip')
  await ci.getCompiledResult({ project, version: '1.0.0', setting: { es6: true, minify: true } }, out)
  const quality = await ci.checkCodeQuality(project)
  const sizes = (quality || []).find((q) => q.name === 'PACKAGE_SIZE_LIMIT')
  return { dir, compiledBytes: fs.statSync(out).size, sizes: sizes ? sizes.detail : null }
}

;(async () => {
  let failed = 0
  const cwd = process.cwd()
  for (const dir of process.argv.slice(2)) {
    process.chdir(os.tmpdir()) // miniprogram-ci leaves cache folders in the working directory
    try {
      const r = await validate(path.resolve(cwd, dir))
      console.log('compiled', dir, r.compiledBytes, 'bytes; package sizes', JSON.stringify(r.sizes))
    } catch (e) {
      failed++
      console.log('refused ', dir, (e && (e.message || e.code)) || e)
    }
  }
  console.log(`validation: ${process.argv.length - 2 - failed} project(s) compiled, ${failed} refused`)
  process.exit(failed ? 1 : 0)
})()
