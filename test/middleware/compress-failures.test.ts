/**
 * compress() option checks, and an answer that throws after its handler settled (a throwing
 * `filter`, run when the held body leaves the middleware chain): the process survives, the
 * failure reaches `serverError`, the client is not left waiting, with or without a
 * concurrency limit.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { createServer, type Server } from '../../src/server/index.js'
import { compress, type CompressOptions } from '../../src/middleware/compress.js'
import { isPorticoError } from '../../src/errors.js'

const servers: Server[] = []
after(async () => {
  for (const s of servers) await s.stop({ graceful: false })
})

test('compress() refuses out-of-range levels, qualities and thresholds, unknown codings and a non-function filter', () => {
  const bad: CompressOptions[] = [
    { level: 10 },
    { level: -2 },
    { level: 1.5 },
    { brotliQuality: 12 },
    { brotliQuality: -1 },
    { threshold: -1 },
    { threshold: Number.NaN },
    { codings: ['zstd' as 'br'] },
    { filter: 'yes' as unknown as CompressOptions['filter'] },
  ]
  for (const options of bad) assert.throws(() => compress(options), (err) => isPorticoError(err, 'PORTICO_ERR_MIDDLEWARE_INVALID_OPTION'), JSON.stringify(options))
  for (const options of [{}, { level: 0 }, { level: 9 }, { level: -1 }, { brotliQuality: 0 }, { brotliQuality: 11 }, { threshold: 0 }, { codings: ['gzip' as const] }, { filter: () => true }]) {
    assert.doesNotThrow(() => compress(options), JSON.stringify(options))
  }
})

/** What a client sees: the bytes received and whether the server closed the connection. */
function exchange(port: number, request: string, waitMs = 1500): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request))
    let text = ''
    let settled = false
    const done = (closed: boolean): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ text, closed })
    }
    const timer = setTimeout(() => done(false), waitMs)
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => {
      text += d
      // A whole answer with a body length (a 500, most likely) is enough.
      const m = /\r\nContent-Length: (\d+)\r\n/i.exec(text)
      const end = text.indexOf('\r\n\r\n')
      if (m !== null && end >= 0 && text.length >= end + 4 + Number(m[1])) done(false)
    })
    socket.on('error', () => undefined)
    socket.on('close', () => done(true))
  })
}

async function failingServer(options: { maxConcurrentRequests?: number }): Promise<{ server: Server; errors: unknown[] }> {
  const server = createServer(options)
  const errors: unknown[] = []
  server.on('serverError', (_message: string, error: unknown) => errors.push(error))
  server.use(
    compress({
      filter: (req) => {
        if (req.path === '/throws') throw new Error('filter threw')
        return true
      },
    }),
    { stage: 'encoding' },
  )
  server.get('/throws', () => 'abc '.repeat(1000))
  server.get('/fine', () => 'fine')
  await server.listen(0, '127.0.0.1')
  servers.push(server)
  return { server, errors }
}

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n`

for (const limit of [undefined, 1]) {
  test(`an answer that throws after the chain returned is reported and ends the exchange (maxConcurrentRequests: ${limit ?? 'none'})`, async () => {
    const { server, errors } = await failingServer(limit === undefined ? {} : { maxConcurrentRequests: limit })
    const seen = await exchange(server.getPort(), GET('/throws'))
    assert.ok(seen.closed || /^HTTP\/1\.1 500 /.test(seen.text), `client left waiting: ${JSON.stringify(seen)}`)
    assert.ok(!/^HTTP\/1\.1 200 /.test(seen.text))
    assert.ok(errors.some((e) => e instanceof Error && e.message === 'filter threw'), `serverError events: ${String(errors)}`)
    // The slot (when limited) was given back: the next request is served.
    const next = await exchange(server.getPort(), `GET /fine HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    assert.match(next.text, /^HTTP\/1\.1 200 /)
  })
}
