import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createGzip, brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import type { Server } from '../../src/server/index.js'
import { decodeRequestBody } from '../../src/middleware/decode-body.js'
import { request, started } from './helpers.js'

const TEXT = 'a request body that was compressed by the client. '.repeat(100)
let server: Server
let port: number
let bomb: Buffer

/** 256 MiB of zeros, gzipped as it is produced (about 250 KiB). */
async function makeBomb(): Promise<Buffer> {
  const z = createGzip({ level: 9 })
  const out: Buffer[] = []
  z.on('data', (c: Buffer) => out.push(c))
  const done = new Promise((resolve) => z.on('end', resolve))
  const zeros = Buffer.alloc(1024 * 1024)
  for (let i = 0; i < 256; i++) if (!z.write(zeros)) await new Promise((resolve) => z.once('drain', resolve))
  z.end()
  await done
  return Buffer.concat(out)
}

before(async () => {
  bomb = await makeBomb()
  server = await started((s) => {
    s.use(decodeRequestBody(), { stage: 'encoding' })
    s.post('/echo', (req) => req.text())
    s.post('/json', async (req) => ({ got: await req.parseJsonBody() }))
    s.post(
      '/count',
      async (req) => {
        let n = 0
        for await (const chunk of req.body) n += chunk.length
        return { n }
      },
      { stream: true },
    )
  })
  port = server.getPort()
})

after(() => server.stop({ graceful: false }))

test('decodes gzip, deflate and br request bodies', async () => {
  for (const [coding, body] of [
    ['gzip', gzipSync(TEXT)],
    ['deflate', deflateSync(TEXT)],
    ['br', brotliCompressSync(TEXT)],
  ] as const) {
    const r = await request(port, '/echo', { method: 'POST', headers: { 'Content-Encoding': coding }, body })
    assert.equal(r.status, 200, coding)
    assert.equal(r.text, TEXT, coding)
  }
})

test('decodes several codings in the reverse order of the header', async () => {
  const body = brotliCompressSync(gzipSync(TEXT))
  const r = await request(port, '/echo', { method: 'POST', headers: { 'Content-Encoding': 'gzip, br' }, body })
  assert.equal(r.text, TEXT)
})

test('parses a compressed JSON body', async () => {
  const r = await request(port, '/json', { method: 'POST', headers: { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json' }, body: gzipSync('{"a":[1,2]}') })
  assert.deepEqual(JSON.parse(r.text), { got: { a: [1, 2] } })
})

test('streams a decoded body to a streaming route', async () => {
  const r = await request(port, '/count', { method: 'POST', headers: { 'Content-Encoding': 'gzip' }, body: gzipSync(TEXT) })
  assert.deepEqual(JSON.parse(r.text), { n: TEXT.length })
})

test('passes identity bodies through', async () => {
  const r = await request(port, '/echo', { method: 'POST', headers: { 'Content-Encoding': 'identity' }, body: 'plain' })
  assert.equal(r.text, 'plain')
  assert.equal((await request(port, '/echo', { method: 'POST', body: 'plain' })).text, 'plain')
})

test('answers 415 with Accept-Encoding to an unsupported coding', async () => {
  const r = await request(port, '/echo', { method: 'POST', headers: { 'Content-Encoding': 'zstd' }, body: 'x' })
  assert.equal(r.status, 415)
  assert.equal(r.headers['accept-encoding'], 'br, gzip, deflate')
})

test('answers 400 to a body that is not valid for its coding', async () => {
  const r = await request(port, '/echo', { method: 'POST', headers: { 'Content-Encoding': 'gzip' }, body: 'not gzip at all' })
  assert.equal(r.status, 400)
})

test('answers 413 to a gzip bomb, applying the limit to the decoded size, without a memory spike', async () => {
  assert.ok(bomb.length < server.getMaxRequestSize(), 'the compressed bomb fits the raw limit')
  const rssBefore = process.memoryUsage().rss
  const r = await request(port, '/echo', { method: 'POST', headers: { 'Content-Encoding': 'gzip' }, body: bomb })
  assert.equal(r.status, 413)
  const count = await request(port, '/count', { method: 'POST', headers: { 'Content-Encoding': 'gzip' }, body: bomb })
  assert.equal(count.status, 413)
  const grown = process.memoryUsage().rss - rssBefore
  assert.ok(grown < 64 * 1024 * 1024, `RSS grew by ${grown} bytes`)
})
