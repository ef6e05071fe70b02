/**
 * A file name without an extension gets `application/octet-stream`, even when the whole name
 * is one (`html`, `json`, `svg`): `mime-types` would read the bare name as the extension.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { contentTypeFor } from '../../src/middleware/content-type.js'
import type { Server } from '../../src/server/index.js'
import { request, started, tempDir } from './helpers.js'

let base: ReturnType<typeof tempDir>
let server: Server
let port: number

before(async () => {
  base = tempDir('ctype-names')
  const www = join(base.dir, 'www')
  mkdirSync(www)
  for (const name of ['html', 'json', 'svg', 'page.html']) writeFileSync(join(www, name), `<b>${name}</b>`)
  server = await started((s) => s.serveStatic('/', www))
  port = server.getPort()
})

after(async () => {
  await server.stop({ graceful: false })
  base.remove()
})

test('gives extension-less files named html, json, svg application/octet-stream', async () => {
  for (const name of ['html', 'json', 'svg']) {
    const r = await request(port, `/${name}`)
    assert.equal(r.status, 200, name)
    assert.equal(r.headers['content-type'], 'application/octet-stream', name)
  }
  assert.equal((await request(port, '/page.html')).headers['content-type'], 'text/html; charset=utf-8')
})

test('reads an extension only after a dot past the first character of the base name', () => {
  assert.equal(contentTypeFor('/srv/www/html'), 'application/octet-stream')
  assert.equal(contentTypeFor('.json'), 'application/octet-stream')
  assert.equal(contentTypeFor('/srv/www/.svg'), 'application/octet-stream')
  assert.equal(contentTypeFor('/srv/html.d/README'), 'application/octet-stream')
  assert.equal(contentTypeFor('/srv/www/a.json'), 'application/json; charset=utf-8')
  assert.equal(contentTypeFor('.env.json'), 'application/json; charset=utf-8')
})
