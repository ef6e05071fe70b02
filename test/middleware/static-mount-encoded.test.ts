/**
 * A mount prefix holding characters that travel percent-encoded (a space, non-ASCII): reading,
 * redirects, listings and writes all find the path below the mount, whatever the spelling of
 * the escapes, as the router does.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Server } from '../../src/server/index.js'
import { rawRequest, request, started, tempDir } from './helpers.js'

let base: ReturnType<typeof tempDir>
let docs: string
let uploads: string
let server: Server
let port: number

before(async () => {
  base = tempDir('mount-encoded')
  docs = join(base.dir, 'docs')
  uploads = join(base.dir, 'uploads')
  mkdirSync(join(docs, 'sub'), { recursive: true })
  mkdirSync(uploads)
  writeFileSync(join(docs, 'a.txt'), 'A')
  writeFileSync(join(docs, 'sub', 'b.txt'), 'B')
  server = await started((s) => {
    s.serveStatic('/docs é', docs, { listing: true })
    s.serveStatic('/docs', docs)
    s.serveStatic('/up é', uploads, { upload: true, delete: true })
  })
  port = server.getPort()
})

after(async () => {
  await server.stop({ graceful: false })
  base.remove()
})

test('serves files below a mount whose prefix travels percent-encoded, in any spelling of the escapes', async () => {
  for (const path of ['/docs%20%C3%A9/a.txt', '/docs%20%c3%a9/a.txt', '/docs/a.txt']) {
    const r = await rawRequest(port, path)
    assert.equal(r.status, 200, path)
    assert.ok(r.text.endsWith('\r\n\r\nA'), path)
  }
  assert.equal((await rawRequest(port, '/docs%20%C3%A9/sub/b.txt')).status, 200)
})

test('redirects a directory below an encoded mount to its percent-encoded slashed URL', async () => {
  const r = await request(port, '/docs%20%C3%A9/sub')
  assert.equal(r.status, 301)
  assert.equal(r.headers.location, '/docs%20%C3%A9/sub/')
})

test('lists a directory below an encoded mount under its decoded path', async () => {
  const r = await request(port, '/docs%20%C3%A9/sub/?format=json')
  assert.equal(r.status, 200)
  assert.equal(JSON.parse(r.text).path, '/docs é/sub/')
})

test('stores and deletes an upload below an encoded mount at the path below the mount', async () => {
  const put = await request(port, '/up%20%C3%A9/new.txt', { method: 'PUT', body: 'N' })
  assert.equal(put.status, 201)
  assert.deepEqual(readdirSync(uploads, { recursive: true }), ['new.txt'])
  assert.equal(readFileSync(join(uploads, 'new.txt'), 'utf8'), 'N')
  assert.equal((await request(port, '/up%20%c3%a9/new.txt', { method: 'DELETE' })).status, 204)
  assert.deepEqual(readdirSync(uploads), [])
})
