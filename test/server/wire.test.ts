import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Pool, request } from 'undici'
import type { Server } from '../../src/server/index.js'
import { RawClient, get, sleep, started, statusLines } from './helpers.js'

describe('the wire: keep-alive, pipelining, chunked bodies, errors', () => {
  let server: Server
  let port: number

  before(async () => {
    server = await started((s) => {
      s.get('/', () => 'Hello, World!')
      s.get('/slow/{ms}', async (req) => {
        await sleep(Number(req.params.ms))
        return 'slept ' + req.params.ms
      })
      s.post('/echo', async (req) => await req.text())
      s.get('/big', (_req, res) => {
        const out = res.openStream()
        let i = 0
        const pump = (): void => {
          while (i < 64) {
            i++
            if (!out.write(Buffer.alloc(64 * 1024, 97))) return out.onDrain(pump)
          }
          out.end()
        }
        pump()
      })
    })
    port = server.getPort()
  })
  after(() => server.stop({ timeout: 1000 }))

  it('keeps a connection alive across requests', async () => {
    const c = await RawClient.connect(port)
    c.write(get('/'))
    await c.until((d) => d.includes('Hello, World!'))
    c.write(get('/'))
    await c.until((d) => d.split('Hello, World!').length === 3)
    assert.equal(c.closed, false)
    assert.equal(server.activeConnections, 1)
    c.close()
  })

  it('answers pipelined requests in order even when the first is the slowest', async () => {
    const c = await RawClient.connect(port)
    c.write(get('/slow/80') + get('/slow/1') + get('/') + get('/slow/20'))
    const data = await c.until((d) => d.includes('slept 20'))
    const order = ['slept 80', 'slept 1', 'Hello, World!', 'slept 20'].map((s) => data.indexOf(s))
    assert.deepEqual([...order].sort((a, b) => a - b), order)
    assert.equal(statusLines(data).length, 4)
    c.close()
  })

  it('holds a stream opened behind a slower pipelined response, then sends it in order', async () => {
    server.get('/now', (_req, res) => {
      const out = res.openStream()
      out.write('alpha,')
      out.write('beta,')
      out.end()
    })
    const c = await RawClient.connect(port)
    c.write(get('/slow/40') + get('/now') + get('/'))
    const data = await c.until((d) => d.includes('Hello, World!'))
    const at = ['slept 40', '6\r\nalpha,\r\n5\r\nbeta,\r\n0\r\n\r\n', 'Hello, World!'].map((x) => data.indexOf(x))
    assert.ok(at.every((i) => i >= 0), JSON.stringify(data))
    assert.deepEqual([...at].sort((a, b) => a - b), at)
    c.close()
  })

  it('reads chunked request bodies, whatever the split', async () => {
    const c = await RawClient.connect(port)
    const raw = 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'
    for (const ch of raw) c.write(ch)
    const data = await c.until((d) => d.includes('hello world'))
    assert.match(data, /Content-Length: 11/)
    c.close()
  })

  it('closes after a response to Connection: close and to HTTP/1.0', async () => {
    const c = await RawClient.connect(port)
    c.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    const data = await c.closedByPeer()
    assert.match(data, /Connection: close/)
    const d = await RawClient.connect(port)
    d.write('GET / HTTP/1.0\r\n\r\n')
    assert.match(await d.closedByPeer(), /Hello, World!/)
  })

  it('keeps HTTP/1.0 keep-alive connections open and says so', async () => {
    const c = await RawClient.connect(port)
    c.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
    const data = await c.until((d) => d.includes('Hello'))
    assert.match(data, /Connection: keep-alive/)
    c.close()
  })

  for (const [name, bytes, status] of [
    ['whitespace before a header colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400],
    ['an unknown method', 'BREW / HTTP/1.1\r\nHost: x\r\n\r\n', 501],
    ['HTTP/2.0 in a request line', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
    ['a head past maxHeaderSize', 'GET / HTTP/1.1\r\nHost: x\r\nX: ' + 'a'.repeat(20000) + '\r\n\r\n', 431],
    ['a request-target past maxUrlLength', 'GET /' + 'a'.repeat(9000) + ' HTTP/1.1\r\nHost: x\r\n\r\n', 414],
  ] as const) {
    it(`answers ${status} to ${name}, then closes`, async () => {
      const c = await RawClient.connect(port)
      c.write(bytes)
      const data = await c.closedByPeer()
      assert.equal(statusLines(data)[0]?.slice(9, 12), String(status))
      assert.match(data, /Connection: close/)
    })
  }

  it('answers the requests before a malformed one, then the error', async () => {
    const c = await RawClient.connect(port)
    c.write(get('/slow/30') + 'GET / HTTP/1.1\r\nHost : x\r\n\r\n')
    const data = await c.closedByPeer()
    assert.deepEqual(statusLines(data).map((l) => l.slice(9, 12)), ['200', '400'])
  })

  it('streams a large response with backpressure', async () => {
    const r = await request(`http://127.0.0.1:${port}/big`)
    let n = 0
    for await (const chunk of r.body) n += (chunk as Buffer).length
    assert.equal(n, 64 * 64 * 1024)
    assert.equal(r.headers['transfer-encoding'], 'chunked')
  })

  it('tells an open stream at once when the client goes away', async () => {
    let closed: () => void = () => {}
    const seen = new Promise<void>((r) => (closed = r))
    server.get('/events', (_req, res) => {
      res.setHeader('Content-Type', 'text/event-stream')
      const out = res.openStream({ raw: true })
      out.write('data: 1\n\n')
      out.onClose(closed)
    })
    const c = await RawClient.connect(port)
    c.write(get('/events'))
    await c.until((d) => d.includes('data: 1'))
    c.close()
    await seen
  })

  it('answers a pipelining undici client correctly under load', async () => {
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 4, pipelining: 10 })
    try {
      const results = await Promise.all(
        Array.from({ length: 300 }, async (_, i) => {
          const r = await pool.request({ path: '/echo', method: 'POST', body: 'n' + i })
          return (await r.body.text()) === 'n' + i
        }),
      )
      assert.equal(results.filter(Boolean).length, 300)
    } finally {
      await pool.close()
    }
  })

  it('serves fetch and undici with keep-alive', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`)
    assert.equal(await res.text(), 'Hello, World!')
    const posted = await request(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: 'payload' })
    assert.equal(await posted.body.text(), 'payload')
  })
})
