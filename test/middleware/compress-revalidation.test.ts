/**
 * compress() and the answers that stand for a compressed 200 without its body: a 304 carries
 * the 200's Vary and weakened ETag (RFC 9110 §15.4.5, RFC 9111 §4.3.4), and a HEAD of a large
 * body goes the way its GET goes (streamed, no synchronous compression to learn a length).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Server } from '../../src/server/index.js'
import { compress } from '../../src/middleware/compress.js'
import { request, started, tempDir } from './helpers.js'

const TEXT = 'hello world '.repeat(500)
const LARGE = 'a line of a large generated report\n'.repeat(30000) // ~1 MB, above the synchronous limit
const FILE_TEXT = 'a static text file that the compressor streams\n'.repeat(10000)
let server: Server
let port: number
let files: ReturnType<typeof tempDir>

/** A route doing its own revalidation, as an API route with an ETag does. */
function revalidating(etag: string, type: string, typeOn304: boolean) {
  return (req: { getHeader(name: string): string | undefined }, res: { setHeader(n: string, v: string): unknown; setStatus(c: number): unknown; end(): void }) => {
    res.setHeader('ETag', etag)
    if (req.getHeader('if-none-match') !== undefined) {
      if (typeOn304) res.setHeader('Content-Type', type)
      res.setStatus(304)
      return res.end()
    }
    res.setHeader('Content-Type', type)
    return TEXT
  }
}

before(async () => {
  files = tempDir('revalidate')
  writeFileSync(join(files.dir, 'big.txt'), FILE_TEXT)
  writeFileSync(join(files.dir, 'small.txt'), 'below the threshold\n')
  writeFileSync(join(files.dir, 'sibling.txt'), FILE_TEXT)
  writeFileSync(join(files.dir, 'sibling.txt.gz'), gzipSync(FILE_TEXT))
  server = await started((s) => {
    s.use(compress(), { stage: 'encoding' })
    s.get('/doc', revalidating('"v1"', 'text/plain', false))
    s.get('/typed', revalidating('"v2"', 'text/plain', true))
    s.get('/image', revalidating('"v3"', 'image/png', true))
    s.get('/report', () => LARGE)
    s.serveStatic('/files', files.dir)
  })
  port = server.getPort()
})

after(async () => {
  await server.stop({ graceful: false })
  files.remove()
})

test('a 304 without a type carries the Vary and the weak ETag of the compressed 200', async () => {
  const ok = await request(port, '/doc', { headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(ok.headers['content-encoding'], 'gzip')
  assert.equal(ok.headers.etag, 'W/"v1"')
  const notModified = await request(port, '/doc', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': 'W/"v1"' } })
  assert.equal(notModified.status, 304)
  assert.equal(notModified.headers.etag, ok.headers.etag)
  assert.equal(notModified.headers.vary, 'Accept-Encoding')
  assert.equal(notModified.headers['content-encoding'], undefined)
  assert.equal(notModified.body.length, 0)
})

test('a 304 with the type set is weakened as its 200 is', async () => {
  const ok = await request(port, '/typed', { headers: { 'Accept-Encoding': 'br' } })
  const notModified = await request(port, '/typed', { headers: { 'Accept-Encoding': 'br', 'If-None-Match': 'W/"v2"' } })
  assert.equal(ok.headers.etag, 'W/"v2"')
  assert.equal(notModified.headers.etag, 'W/"v2"')
  assert.equal(notModified.headers.vary, 'Accept-Encoding')
})

test('a 304 keeps a strong ETag when its 200 would not be compressed', async () => {
  const identity = await request(port, '/doc', { headers: { 'Accept-Encoding': 'identity', 'If-None-Match': '"v1"' } })
  assert.equal(identity.status, 304)
  assert.equal(identity.headers.etag, '"v1"')
  const noHeader = await request(port, '/doc', { headers: { 'If-None-Match': '"v1"' } })
  assert.equal(noHeader.headers.etag, '"v1"')
  const image = await request(port, '/image', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': '"v3"' } })
  assert.equal(image.headers.etag, '"v3"')
  assert.equal(image.headers.vary, undefined)
})

test('a static file answers 304 with the ETag and Vary of its compressed 200', async () => {
  const ok = await request(port, '/files/big.txt', { headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(ok.headers['content-encoding'], 'gzip')
  const etag = ok.headers.etag as string
  assert.match(etag, /^W\//)
  const notModified = await request(port, '/files/big.txt', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': etag } })
  assert.equal(notModified.status, 304)
  assert.equal(notModified.headers.etag, etag)
  assert.equal(notModified.headers.vary, 'Accept-Encoding')
})

test('a HEAD of a large body goes like its GET: compressed coding, streamed, no Content-Length', async () => {
  const get = await request(port, '/report', { headers: { 'Accept-Encoding': 'br' } })
  assert.equal(get.headers['content-encoding'], 'br')
  assert.equal(get.headers['content-length'], undefined)
  assert.equal(get.headers['transfer-encoding'], 'chunked')
  const head = await request(port, '/report', { method: 'HEAD', headers: { 'Accept-Encoding': 'br' } })
  assert.equal(head.status, 200)
  assert.equal(head.headers['content-encoding'], 'br')
  assert.equal(head.headers.vary, 'Accept-Encoding')
  assert.equal(head.headers['content-length'], undefined)
  assert.equal(head.body.length, 0)
})

test('a HEAD of a small body still gets the exact compressed length of its GET', async () => {
  const get = await request(port, '/doc', { headers: { 'Accept-Encoding': 'gzip' } })
  const head = await request(port, '/doc', { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(head.headers['content-length'], get.headers['content-length'])
  assert.equal(Number(get.headers['content-length']), get.body.length)
})

test('a static file whose 200 was not compressed (small, or a precompressed sibling) keeps its strong ETag on 304', async () => {
  for (const name of ['small.txt', 'sibling.txt']) {
    const ok = await request(port, `/files/${name}`, { headers: { 'Accept-Encoding': 'gzip' } })
    const etag = ok.headers.etag as string
    assert.match(etag, /^"/, name)
    const notModified = await request(port, `/files/${name}`, { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': etag } })
    assert.equal(notModified.status, 304)
    assert.equal(notModified.headers.etag, etag, name)
    assert.equal(notModified.headers.vary, 'Accept-Encoding', name)
  }
})

test('a 304 for a client holding the strong tag keeps it strong; a weak one held is answered weak', async () => {
  const strong = await request(port, '/doc', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': '"v1"' } })
  assert.equal(strong.headers.etag, '"v1"')
  assert.equal(strong.headers.vary, 'Accept-Encoding')
  const both = await request(port, '/doc', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': '"v1", W/"v1"' } })
  assert.equal(both.headers.etag, 'W/"v1"')
  const other = await request(port, '/doc', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': '*' } })
  assert.equal(other.headers.etag, 'W/"v1"')
})
