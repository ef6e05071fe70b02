import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib'
import type { Server } from '../../src/server/index.js'
import { compress } from '../../src/middleware/compress.js'
import { request, started, tempDir } from './helpers.js'

const TEXT = 'Portico compresses text. '.repeat(200)
const BIG_TEXT = 'line of a large text file that streams through the compressor\n'.repeat(8000)
let server: Server
let port: number
let files: ReturnType<typeof tempDir>

before(async () => {
  files = tempDir('compress')
  writeFileSync(join(files.dir, 'big.txt'), BIG_TEXT)
  server = await started((s) => {
    s.use(compress({ threshold: 100 }), { stage: 'encoding' })
    s.get('/text', () => TEXT)
    s.get('/small', () => 'hi')
    s.get('/json', () => ({ list: Array.from({ length: 200 }, (_, i) => ({ i, name: `item ${i}` })) }))
    s.get('/png', (_req, res) => {
      res.setHeader('Content-Type', 'image/png')
      res.send(Buffer.alloc(5000, 7))
    })
    s.get('/sse', (_req, res) => {
      res.setHeader('Content-Type', 'text/event-stream')
      const out = res.openStream()
      out.write('data: tick\n\n'.repeat(300))
      out.end()
    })
    s.get('/encoded', (_req, res) => {
      res.setHeader('Content-Type', 'text/plain')
      res.setHeader('Content-Encoding', 'gzip')
      res.send(gzipSync(TEXT))
    })
    s.get('/stream', (_req, res) => {
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      const out = res.openStream()
      let i = 0
      const pump = (): void => {
        while (i < 2000) {
          if (!out.write(`chunk ${i++} of a streamed body\n`)) return out.onDrain(pump)
        }
        out.end()
      }
      pump()
    })
    s.get('/etag', (_req, res) => {
      res.setHeader('ETag', '"v1"')
      return TEXT
    })
    s.get('/notmod', (_req, res) => {
      res.setStatus(304)
      res.setHeader('Content-Type', 'text/plain')
      res.end()
    })
    s.get('/no-transform', (_req, res) => {
      res.setHeader('Cache-Control', 'no-transform')
      return TEXT
    })
    s.serveStatic('/files', files.dir)
  })
  port = server.getPort()
})

after(async () => {
  await server.stop({ graceful: false })
  files.remove()
})

test('compresses with the coding the client prefers, with Vary and an exact Content-Length', async () => {
  const br = await request(port, '/text', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } })
  assert.equal(br.headers['content-encoding'], 'br')
  assert.equal(br.headers.vary, 'Accept-Encoding')
  assert.equal(Number(br.headers['content-length']), br.body.length)
  assert.equal(brotliDecompressSync(br.body).toString(), TEXT)
  const gz = await request(port, '/text', { headers: { 'Accept-Encoding': 'br;q=0.5, gzip' } })
  assert.equal(gz.headers['content-encoding'], 'gzip')
  assert.equal(gunzipSync(gz.body).toString(), TEXT)
  const df = await request(port, '/text', { headers: { 'Accept-Encoding': 'deflate' } })
  assert.equal(df.headers['content-encoding'], 'deflate')
  assert.equal(inflateSync(df.body).toString(), TEXT)
})

test('sends identity without Accept-Encoding, still with Vary', async () => {
  const r = await request(port, '/text')
  assert.equal(r.headers['content-encoding'], undefined)
  assert.equal(r.headers.vary, 'Accept-Encoding')
  assert.equal(r.text, TEXT)
})

test('compresses JSON from a returned object', async () => {
  const r = await request(port, '/json', { headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(r.headers['content-encoding'], 'gzip')
  assert.equal(JSON.parse(gunzipSync(r.body).toString()).list.length, 200)
})

test('leaves bodies under the threshold and incompressible types alone', async () => {
  const small = await request(port, '/small', { headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(small.headers['content-encoding'], undefined)
  assert.equal(small.text, 'hi')
  const png = await request(port, '/png', { headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(png.headers['content-encoding'], undefined)
  assert.equal(png.headers.vary, undefined)
  assert.equal(png.body.length, 5000)
})

test('never compresses text/event-stream or a body already encoded or marked no-transform', async () => {
  const sse = await request(port, '/sse', { headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(sse.headers['content-encoding'], undefined)
  assert.ok(sse.text.startsWith('data: tick\n\n'))
  const enc = await request(port, '/encoded', { headers: { 'Accept-Encoding': 'br, gzip' } })
  assert.equal(enc.headers['content-encoding'], 'gzip')
  assert.equal(gunzipSync(enc.body).toString(), TEXT)
  const nt = await request(port, '/no-transform', { headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(nt.headers['content-encoding'], undefined)
})

test('compresses a stream as it goes', async () => {
  const r = await request(port, '/stream', { headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(r.headers['content-encoding'], 'gzip')
  assert.equal(r.headers['transfer-encoding'], 'chunked')
  const text = gunzipSync(r.body).toString()
  assert.ok(text.startsWith('chunk 0 of a streamed body\n'))
  assert.ok(text.endsWith('chunk 1999 of a streamed body\n'))
})

test('compresses a large static file while streaming it', async () => {
  const r = await request(port, '/files/big.txt', { headers: { 'Accept-Encoding': 'br' } })
  assert.equal(r.headers['content-encoding'], 'br')
  assert.equal(r.headers['content-length'], undefined)
  assert.ok(r.body.length < BIG_TEXT.length / 10)
  assert.equal(brotliDecompressSync(r.body).toString(), BIG_TEXT)
})

test('does not compress a range answer', async () => {
  const r = await request(port, '/files/big.txt', { headers: { 'Accept-Encoding': 'gzip', Range: 'bytes=0-99' } })
  assert.equal(r.status, 206)
  assert.equal(r.headers['content-encoding'], undefined)
  assert.equal(r.text, BIG_TEXT.slice(0, 100))
})

test('weakens a strong ETag on a compressed answer', async () => {
  const r = await request(port, '/etag', { headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(r.headers.etag, 'W/"v1"')
  const plain = await request(port, '/etag')
  assert.equal(plain.headers.etag, '"v1"')
})

test('answers HEAD with the headers GET would have', async () => {
  const get = await request(port, '/text', { headers: { 'Accept-Encoding': 'gzip' } })
  const head = await request(port, '/text', { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(head.headers['content-encoding'], 'gzip')
  assert.equal(head.headers['content-length'], get.headers['content-length'])
  assert.equal(head.body.length, 0)
})

test('answers 304 without Content-Encoding, with Vary', async () => {
  const r = await request(port, '/notmod', { headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(r.status, 304)
  assert.equal(r.headers['content-encoding'], undefined)
  assert.equal(r.headers.vary, 'Accept-Encoding')
})

test('a 304 from the static files keeps Vary and sends no body', async () => {
  const first = await request(port, '/files/big.txt', { headers: { 'Accept-Encoding': 'gzip' } })
  const r = await request(port, '/files/big.txt', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': first.headers.etag as string } })
  assert.equal(r.status, 304)
  assert.equal(r.headers['content-encoding'], undefined)
  assert.equal(r.body.length, 0)
})

test('answers HEAD of a large static file with the Content-Encoding its GET has', async () => {
  const head = await request(port, '/files/big.txt', { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } })
  assert.equal(head.status, 200)
  assert.equal(head.headers['content-encoding'], 'gzip')
  assert.equal(head.headers.vary, 'Accept-Encoding')
  assert.equal(head.body.length, 0)
})
