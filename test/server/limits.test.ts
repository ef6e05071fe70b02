import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { RawClient, eventually, get, sleep, started, statusLines } from './helpers.js'

const post = (path: string, body: string, extra = ''): string =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`

describe('limits: body size, accept, 100-continue, concurrency', () => {
  it('answers 413 as soon as Content-Length passes the limit, then closes', async () => {
    let ran = false
    const s = await started((s) => s.post('/up', async (req) => { ran = true; return (await req.bytes()).length }, { maxRequestSize: 100 }), {})
    const c = await RawClient.connect(s.getPort())
    c.write(`POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n`)
    const data = await c.closedByPeer()
    assert.equal(statusLines(data)[0], 'HTTP/1.1 413 Content Too Large')
    assert.equal(ran, false)
    await s.stop()
  })

  it('answers 413 when a chunked body passes the server limit', async () => {
    const s = await started((s) => s.post('/up', async (req) => (await req.bytes()).length), { maxRequestSize: 10 })
    const c = await RawClient.connect(s.getPort())
    c.write('POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n')
    const data = await c.closedByPeer()
    assert.match(statusLines(data)[0], /^HTTP\/1.1 413/)
    await s.stop()
  })

  it('takes bodies within the limit and lets a stream route go past the server limit', async () => {
    const s = await started((s) => {
      s.post('/small', async (req) => (await req.text()).length)
      s.post('/stream', async (req) => {
        let n = 0
        for await (const c of req.body) n += c.length
        return String(n)
      }, { stream: true })
    }, { maxRequestSize: 10 })
    const c = await RawClient.connect(s.getPort())
    c.write(post('/small', '0123456789'))
    await c.until((d) => d.includes('\r\n\r\n10'))
    c.write(post('/stream', 'x'.repeat(5000)))
    await c.until((d) => d.includes('\r\n\r\n5000'))
    c.close()
    await s.stop()
  })

  it("runs the route's accept() before reading the body", async () => {
    const s = await started((s) => s.post('/guarded', async (req) => await req.text(), {
      accept: (req) => (req.getHeader('x-token') === 'ok' ? true : [403, 'No token']),
    }))
    const c = await RawClient.connect(s.getPort())
    c.write(post('/guarded', 'hello', 'X-Token: ok\r\n'))
    await c.until((d) => d.includes('hello'))
    c.write(post('/guarded', 'hello'))
    const data = await c.closedByPeer()
    assert.equal(statusLines(data)[1], 'HTTP/1.1 403 Forbidden')
    assert.match(data, /No token/)
    await s.stop()
  })

  it('sends 100 Continue only when the route accepts', async () => {
    const s = await started((s) => s.post('/up', async (req) => await req.text(), {
      accept: (req) => (req.getHeader('x-ok') === '1' ? true : [417, 'Nope']),
    }))
    const c = await RawClient.connect(s.getPort())
    c.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\nX-Ok: 1\r\n\r\n')
    await c.until((d) => d.includes('100 Continue'))
    c.write('hi')
    const data = await c.until((d) => d.includes('\r\n\r\nhi'))
    assert.deepEqual(statusLines(data), ['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK'])
    const d = await RawClient.connect(s.getPort())
    d.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n')
    const refused = await d.closedByPeer()
    assert.deepEqual(statusLines(refused), ['HTTP/1.1 417 Expectation Failed'])
    c.close()
    await s.stop()
  })

  it('runs at most maxConcurrentRequests handlers, the rest in FIFO order', async () => {
    let running = 0
    let peak = 0
    const order: number[] = []
    const s = await started((s) => s.get('/w/{n}', async (req) => {
      running++
      peak = Math.max(peak, running)
      order.push(Number(req.params.n))
      await sleep(30)
      running--
      return 'done ' + req.params.n
    }), { maxConcurrentRequests: 2 })
    const clients = await Promise.all([0, 1, 2, 3, 4, 5].map(() => RawClient.connect(s.getPort())))
    for (let i = 0; i < clients.length; i++) {
      clients[i].write(get('/w/' + i))
      await sleep(5)
    }
    await Promise.all(clients.map((c, i) => c.until((d) => d.includes('done ' + i))))
    assert.equal(peak, 2)
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5])
    for (const c of clients) c.close()
    await s.stop()
  })

  it('answers 503 when the bounded queue is full', async () => {
    const s = await started((s) => s.get('/w', async () => {
      await sleep(100)
      return 'done'
    }), { maxConcurrentRequests: 1, maxQueuedRequests: 1 })
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(s.getPort())))
    for (const c of clients) {
      c.write(get('/w'))
      await sleep(10)
    }
    const third = await clients[2].until((d) => d.includes('\r\n\r\n'))
    assert.match(statusLines(third)[0], /^HTTP\/1.1 503/)
    assert.match(third, /Retry-After: 1/)
    await clients[0].until((d) => d.includes('done'))
    await clients[1].until((d) => d.includes('done'))
    for (const c of clients) c.close()
    await s.stop()
  })

  it('stops reading a pipelining client while many responses are pending', async () => {
    let released: () => void = () => {}
    const gate = new Promise<void>((r) => (released = r))
    let started_ = 0
    const s = await started((s) => s.get('/g', async () => {
      started_++
      await gate
      return 'ok'
    }), { maxPendingResponses: 4 })
    const c = await RawClient.connect(s.getPort())
    for (let i = 0; i < 30; i++) {
      c.write(get('/g'))
      await sleep(3)
    }
    await sleep(50)
    assert.ok(started_ < 30, `started ${started_} handlers`)
    released()
    await c.until((d) => d.split('\r\n\r\nok').length === 31)
    c.close()
    await s.stop()
  })
})

describe('timeouts', () => {
  it('closes a slowloris head at headersTimeout with 408', async () => {
    const s = await started(() => {}, { headersTimeout: 150, keepAliveTimeout: 10_000 })
    const c = await RawClient.connect(s.getPort())
    c.write('GET / HTTP/1.1\r\n')
    const timer = setInterval(() => c.write('X-A: b\r\n'), 30)
    const data = await c.closedByPeer(3000)
    clearInterval(timer)
    assert.match(statusLines(data)[0], /^HTTP\/1.1 408/)
    await s.stop()
  })

  it('closes an idle keep-alive connection at keepAliveTimeout', async () => {
    const s = await started((s) => s.get('/', () => 'x'), { keepAliveTimeout: 100 })
    const c = await RawClient.connect(s.getPort())
    c.write(get('/'))
    await c.until((d) => d.includes('\r\n\r\nx'))
    await c.closedByPeer(3000)
    await eventually(() => s.activeConnections === 0)
    await s.stop()
  })

  it('answers 408 when the body does not arrive within requestTimeout', async () => {
    const s = await started((s) => s.post('/', async (req) => await req.text()), { requestTimeout: 150 })
    const c = await RawClient.connect(s.getPort())
    c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc')
    const data = await c.closedByPeer(3000)
    assert.match(statusLines(data)[0], /^HTTP\/1.1 408/)
    await s.stop()
  })

  it('closes a silent connection at idleTimeout', async () => {
    const s = await started((s) => s.get('/', () => 'x'), { idleTimeout: 100, keepAliveTimeout: 0, headersTimeout: 0 })
    const c = await RawClient.connect(s.getPort())
    await c.closedByPeer(3000)
    await s.stop()
  })
})
