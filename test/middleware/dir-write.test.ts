import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Server } from '../../src/server/index.js'
import { rawRequest, request, started, tempDir } from './helpers.js'

let base: ReturnType<typeof tempDir>
let root: string
let server: Server
let port: number

before(async () => {
  base = tempDir('write')
  root = join(base.dir, 'root')
  mkdirSync(join(base.dir, 'outside'))
  mkdirSync(root)
  writeFileSync(join(root, 'keep.txt'), 'keep')
  symlinkSync(join(base.dir, 'outside'), join(root, 'out'))
  server = await started((s) => s.serveStatic('/up', root, { upload: true, delete: true, maxUpload: 1000 }))
  port = server.getPort()
})

after(async () => {
  await server.stop({ graceful: false })
  base.remove()
})

/** PUT with a chunked body (no Content-Length), written in pieces. */
function putChunked(path: string, pieces: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'PUT', agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', () => resolve(-1))
    for (const p of pieces) req.write(p)
    req.end()
    req.on('error', reject)
  })
}

test('stores an upload, creating directories, 201 then 204 on replace', async () => {
  const a = await request(port, '/up/new/dir/file.txt', { method: 'PUT', body: 'first' })
  assert.equal(a.status, 201)
  assert.equal(a.headers.location, '/up/new/dir/file.txt')
  assert.equal(readFileSync(join(root, 'new', 'dir', 'file.txt'), 'utf8'), 'first')
  const b = await request(port, '/up/new/dir/file.txt', { method: 'PUT', body: 'second' })
  assert.equal(b.status, 204)
  assert.equal(readFileSync(join(root, 'new', 'dir', 'file.txt'), 'utf8'), 'second')
  assert.deepEqual(readdirSync(join(root, 'new', 'dir')), ['file.txt'])
})

test('answers 413 to a chunked upload past the limit and leaves no file behind', async () => {
  const status = await putChunked('/up/huge.bin', [Buffer.alloc(600), Buffer.alloc(600)])
  assert.ok(status === 413 || status === -1, `status ${status}`)
  await new Promise((r) => setTimeout(r, 50))
  assert.ok(!existsSync(join(root, 'huge.bin')))
  assert.deepEqual(
    readdirSync(root).filter((n) => n.endsWith('.upload')),
    [],
  )
})

test('answers 413 at once to a Content-Length past the limit', async () => {
  const r = await request(port, '/up/big.bin', { method: 'PUT', body: Buffer.alloc(2000) })
  assert.equal(r.status, 413)
})

test('refuses uploads that would leave the root or write a dotfile', async () => {
  assert.equal((await request(port, '/up/..%2fescape.txt', { method: 'PUT', body: 'x' })).status, 403)
  assert.equal((await request(port, '/up/out/escape.txt', { method: 'PUT', body: 'x' })).status, 403)
  assert.ok(!existsSync(join(base.dir, 'outside', 'escape.txt')))
  assert.equal((await request(port, '/up/.htaccess', { method: 'PUT', body: 'x' })).status, 404)
  assert.equal((await request(port, '/up/keep.txt/x', { method: 'PUT', body: 'x' })).status, 409)
  assert.equal((await request(port, '/up/', { method: 'PUT', body: 'x' })).status, 405)
})

test('deletes a file (204), then 404; refuses a directory (409)', async () => {
  writeFileSync(join(root, 'gone.txt'), 'x')
  assert.equal((await request(port, '/up/gone.txt', { method: 'DELETE' })).status, 204)
  assert.ok(!existsSync(join(root, 'gone.txt')))
  assert.equal((await request(port, '/up/gone.txt', { method: 'DELETE' })).status, 404)
  assert.equal((await request(port, '/up/new', { method: 'DELETE' })).status, 409)
  assert.equal((await rawRequest(port, '/up/keep.txt')).status, 200)
})
