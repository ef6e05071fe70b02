/**
 * Only "there is no such file" is a 404. A failure of the server to open or stat a file that
 * is there (`EMFILE`, `ENFILE`, `EIO`) is a 500: a 404 would be cached by clients and proxies.
 * The failures are injected by replacing `fs/promises` functions (the ESM bindings follow
 * through `syncBuiltinESMExports`); the requests travel over real sockets.
 */
import { test, before, after, afterEach, mock } from 'node:test'
import assert from 'node:assert/strict'
import fsp from 'node:fs/promises'
import { mkdirSync, writeFileSync } from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { join } from 'node:path'
import type { Server } from '../../src/server/index.js'
import { request, started, tempDir } from './helpers.js'

let base: ReturnType<typeof tempDir>
let server: Server
let port: number

before(async () => {
  base = tempDir('open-errors')
  const www = join(base.dir, 'www')
  mkdirSync(www)
  for (const name of ['ok.txt', 'emfile.txt', 'eio.txt', 'stat-eio.txt', 'app.js']) writeFileSync(join(www, name), `${name}\n`.repeat(20))
  writeFileSync(join(www, 'app.js.gz'), 'not really gzip')
  server = await started((s) => s.serveStatic('/', www, { cache: false }))
  port = server.getPort()
})

afterEach(() => {
  mock.restoreAll()
  syncBuiltinESMExports()
})

after(async () => {
  await server.stop({ graceful: false })
  base.remove()
})

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code })
}

/** Makes `fs/promises`'s `name` fail with `code` for paths ending in `suffix`. */
function failFor(name: 'open' | 'stat', suffix: string, code: string): void {
  const original = fsp[name] as (...args: unknown[]) => Promise<unknown>
  mock.method(fsp, name, (path: unknown, ...rest: unknown[]) => (String(path).endsWith(suffix) ? Promise.reject(errno(code)) : original(path, ...rest)))
  syncBuiltinESMExports()
}

test('answers 404 when a path component is a file (ENOTDIR)', async () => {
  assert.equal((await request(port, '/ok.txt/child')).status, 404)
  assert.equal((await request(port, '/missing.txt')).status, 404)
})

test('answers 500, not 404, when opening an existing file fails with EMFILE', async () => {
  failFor('open', '/emfile.txt', 'EMFILE')
  assert.equal((await request(port, '/emfile.txt')).status, 500)
  assert.equal((await request(port, '/ok.txt')).status, 200)
})

test('answers 500, not 404, when opening an existing file fails with EIO', async () => {
  failFor('open', '/eio.txt', 'EIO')
  assert.equal((await request(port, '/eio.txt')).status, 500)
})

test('answers 500, not 404, when the stat of an existing file fails with EIO', async () => {
  failFor('stat', '/stat-eio.txt', 'EIO')
  assert.equal((await request(port, '/stat-eio.txt')).status, 500)
})

test('answers 500, not the identity file or 404, when a precompressed sibling fails with ENFILE', async () => {
  failFor('open', '/app.js.gz', 'ENFILE')
  assert.equal((await request(port, '/app.js', { headers: { 'Accept-Encoding': 'gzip' } })).status, 500)
  mock.restoreAll()
  syncBuiltinESMExports()
  assert.equal((await request(port, '/app.js', { headers: { 'Accept-Encoding': 'gzip' } })).headers['content-encoding'], 'gzip')
})
