/**
 * A served root given as a symbolic link switched while the server runs (the deploy pattern
 * `current -> releases/N`, replaced atomically): the new release is served at once.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Server } from '../../src/server/index.js'
import { request, started, tempDir } from './helpers.js'

const base = tempDir('root-switch')
for (const n of ['r1', 'r2', 'r3']) {
  mkdirSync(join(base.dir, n))
  writeFileSync(join(base.dir, n, 'index.html'), `<p>release ${n}</p>`)
  writeFileSync(join(base.dir, n, 'app.js'), `// ${n}`)
}
writeFileSync(join(base.dir, 'r1', 'only-in-r1.txt'), 'old')
const current = join(base.dir, 'current')
symlinkSync(join(base.dir, 'r1'), current)

/** Points `current` at `release` in one rename, as deploy tools do. */
function switchTo(release: string): void {
  symlinkSync(join(base.dir, release), `${current}.new`)
  renameSync(`${current}.new`, current)
}

let server: Server | undefined
after(async () => {
  await server?.stop({ graceful: false })
  base.remove()
})

test('serves the new release after the root symlink is switched, files and index alike', async () => {
  server = await started((s) => s.serveStatic('/', current))
  const port = server.getPort()
  assert.equal((await request(port, '/app.js')).text, '// r1')
  assert.equal((await request(port, '/only-in-r1.txt')).status, 200)
  switchTo('r2')
  const js = await request(port, '/app.js')
  assert.equal(js.status, 200)
  assert.equal(js.text, '// r2')
  assert.equal((await request(port, '/')).text, '<p>release r2</p>')
  assert.equal((await request(port, '/only-in-r1.txt')).status, 404)
  // The old release may go away, and the root may switch again.
  rmSync(join(base.dir, 'r1'), { recursive: true })
  switchTo('r3')
  assert.equal((await request(port, '/app.js')).text, '// r3')
  assert.equal((await request(port, '/')).text, '<p>release r3</p>')
})
