/**
 * Compressed streams reach the client as they are written (a sync flush after each burst of
 * writes), not at the end; the writes of one burst still compress together.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import zlib from 'node:zlib'
import type { Server } from '../../src/server/index.js'
import { compress } from '../../src/middleware/compress.js'
import { request, started } from './helpers.js'

let server: Server
let port: number
/** Opened by the test once the client decoded what came before. */
let gates: (() => void)[] = []
const gate = (): Promise<void> => new Promise((resolve) => gates.push(resolve))
const openGates = (): void => {
  for (const g of gates.splice(0)) g()
}
const LINE_LIST = Array.from({ length: 2000 }, (_, i) => `{"tick":${i},"note":"a line of newline-delimited JSON"}\n`)
const LINES = LINE_LIST.join('')

before(async () => {
  server = await started((s) => {
    s.use(compress({ threshold: 0 }), { stage: 'encoding' })
    s.get('/ndjson', (_req, res) => {
      res.setHeader('Content-Type', 'application/x-ndjson')
      return res.send(
        (async function* () {
          yield '{"tick":0}\n'
          await gate()
          yield '{"tick":1}\n'
          await gate()
        })(),
      )
    })
    s.get('/open', (_req, res) => {
      res.setHeader('Content-Type', 'text/html')
      const out = res.openStream()
      out.write('<p>first</p>\n')
      void gate().then(() => {
        out.write('<p>second</p>\n')
        return gate().then(() => out.end())
      })
    })
    s.get('/burst', (_req, res) => {
      res.setHeader('Content-Type', 'application/x-ndjson')
      const out = res.openStream()
      for (const line of LINE_LIST) out.write(line)
      out.end()
    })
  })
  port = server.getPort()
})

after(async () => {
  openGates()
  await server.stop({ graceful: false })
})

/**
 * GETs `path` with `coding` and resolves once the decoded body contains each marker in turn,
 * opening a gate of the server after each; rejects when a marker does not arrive in time.
 */
function readProgressively(path: string, coding: 'gzip' | 'br' | 'deflate', markers: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { 'Accept-Encoding': coding } }, (res) => {
      assert.equal(res.headers['content-encoding'], coding)
      const decoder = coding === 'br' ? zlib.createBrotliDecompress() : coding === 'gzip' ? zlib.createGunzip() : zlib.createInflate()
      let text = ''
      let waiting = 0
      const arm = (): NodeJS.Timeout =>
        setTimeout(() => {
          req.destroy()
          openGates()
          reject(new Error(`${path} (${coding}): ${JSON.stringify(markers[waiting])} did not arrive before the stream went on; got ${JSON.stringify(text)}`))
        }, 1000)
      let timer = arm()
      decoder.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8')
        while (waiting < markers.length && text.includes(markers[waiting])) {
          waiting++
          clearTimeout(timer)
          if (waiting < markers.length) timer = arm()
          openGates()
        }
      })
      decoder.on('end', () => {
        clearTimeout(timer)
        resolve(text)
      })
      decoder.on('error', reject)
      res.pipe(decoder)
    })
    req.on('error', reject)
  })
}

test('an NDJSON stream sent with res.send(iterable) arrives line by line, gzip and deflate', async () => {
  for (const coding of ['gzip', 'deflate'] as const) {
    const text = await readProgressively('/ndjson', coding, ['{"tick":0}', '{"tick":1}'])
    assert.equal(text, '{"tick":0}\n{"tick":1}\n')
  }
})

test('a streamed page written with openStream() arrives piece by piece, br', async () => {
  const text = await readProgressively('/open', 'br', ['<p>first</p>', '<p>second</p>'])
  assert.equal(text, '<p>first</p>\n<p>second</p>\n')
})

test('many small writes in one turn compress together (no flush per write)', async () => {
  for (const coding of ['gzip', 'br'] as const) {
    const r = await request(port, '/burst', { headers: { 'Accept-Encoding': coding } })
    const decoded = coding === 'br' ? zlib.brotliDecompressSync(r.body) : zlib.gunzipSync(r.body)
    assert.equal(decoded.toString(), LINES)
    const oneShot = coding === 'br' ? zlib.brotliCompressSync(LINES, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }) : zlib.gzipSync(LINES)
    assert.ok(r.body.length <= oneShot.length * 1.05 + 64, `${coding}: ${r.body.length} bytes streamed vs ${oneShot.length} in one shot`)
  }
})
