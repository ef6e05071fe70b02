import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { RawClient, get, sleep, started, statusLines } from './helpers.js'

describe('connection rules: Host, close, stray CRLF, HTTP/2 preface, upgrade bodies, stop', () => {
  it('answers 400 to an HTTP/1.1 request without Host, and to any request with two', async () => {
    const s = await started((s) => s.get('/', () => 'ok'))
    for (const raw of ['GET / HTTP/1.1\r\n\r\n', 'GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n', 'GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n']) {
      const c = await RawClient.connect(s.getPort())
      c.write(raw)
      const data = await c.closedByPeer()
      assert.deepEqual(statusLines(data), ['HTTP/1.1 400 Bad Request'], JSON.stringify(raw))
    }
    const ok = await RawClient.connect(s.getPort())
    ok.write('GET / HTTP/1.0\r\n\r\n')
    assert.match(await ok.closedByPeer(), /^HTTP\/1.1 200 OK[^]*\r\n\r\nok$/)
    const lower = await RawClient.connect(s.getPort())
    lower.write('GET / HTTP/1.1\r\nhost: a\r\n\r\n')
    await lower.until((d) => d.endsWith('\r\n\r\nok'))
    lower.close()
    await s.stop()
  })

  it('answers earlier pipelined requests before the 400 for a missing Host', async () => {
    const s = await started((s) => s.get('/', () => 'ok'))
    const c = await RawClient.connect(s.getPort())
    c.write(get('/') + 'GET / HTTP/1.1\r\n\r\n')
    const data = await c.closedByPeer()
    assert.deepEqual(statusLines(data), ['HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request'])
    await s.stop()
  })

  it('answers nothing to a request pipelined after Connection: close (or HTTP/1.0)', async () => {
    const errors: unknown[] = []
    const s = await started((s) => {
      s.get('/sync', () => 'sync')
      s.get('/async', async () => {
        await sleep(20)
        return 'async'
      })
    })
    s.on('serverError', (_m: string, e: unknown) => errors.push(e))
    const cases = [
      get('/sync', 'Connection: close\r\n') + get('/sync'),
      get('/async', 'Connection: close\r\n') + get('/async'),
      'GET /async HTTP/1.0\r\n\r\nGET /async HTTP/1.0\r\n\r\n',
      'POST /async HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' + get('/async'),
    ]
    for (const raw of cases) {
      const c = await RawClient.connect(s.getPort())
      c.write(raw)
      const data = await c.closedByPeer()
      assert.equal(statusLines(data).length, 1, JSON.stringify(data))
      assert.doesNotMatch(data, /400 Bad Request/)
    }
    assert.deepEqual(errors, [])
    await s.stop()
  })

  it('takes a stray CRLF after a request as no head: no 408 while a long answer is written', async () => {
    const s = await started((s) => s.get('/long', async () => {
      await sleep(300)
      return 'long'
    }), { headersTimeout: 100, keepAliveTimeout: 5000 })
    const c = await RawClient.connect(s.getPort())
    c.write(get('/long'))
    await sleep(10)
    c.write('\r\n')
    const data = await c.until((d) => d.includes('\r\n\r\nlong'))
    await sleep(50)
    assert.deepEqual(statusLines(c.data), ['HTTP/1.1 200 OK'], data)
    assert.equal(c.closed, false)
    c.close()
    await s.stop()
  })

  it('answers the HTTP/2 preface with 505 and closes at once', async () => {
    const s = await started((s) => s.get('/', () => 'x'), { headersTimeout: 10_000 })
    const c = await RawClient.connect(s.getPort())
    c.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00\x00\x00\x00\x00')
    const data = await c.closedByPeer(2000)
    assert.deepEqual(statusLines(data), ['HTTP/1.1 505 HTTP Version Not Supported'])
    assert.match(data, /Connection: close/)
    await s.stop()
  })

  it('reads the body of an upgrade request split across packets before the handler upgrades', async () => {
    let body: string | undefined
    const s = await started((s) => s.post('/up', async (req, res) => {
      body = await req.text()
      const { socket, head } = res.upgrade('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n')
      socket.end('head=' + head.toString())
    }), { requestTimeout: 10_000 })
    const c = await RawClient.connect(s.getPort())
    c.write('POST /up HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\nContent-Length: 5\r\n\r\nhe')
    await sleep(20)
    c.write('lloafter')
    const data = await c.closedByPeer(2000)
    assert.equal(body, 'hello')
    assert.match(data, /^HTTP\/1.1 101 Switching Protocols\r\n[^]*\r\n\r\nhead=after$/)
    await s.stop()
  })

  it('applies the body limit to an upgrade request', async () => {
    let ran = false
    const s = await started((s) => s.post('/up', () => {
      ran = true
    }), { maxRequestSize: 1024 })
    const c = await RawClient.connect(s.getPort())
    c.write('POST /up HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x\r\nTransfer-Encoding: chunked\r\n\r\n')
    c.write('800\r\n' + 'a'.repeat(0x800) + '\r\n0\r\n\r\n')
    const data = await c.closedByPeer(2000)
    assert.deepEqual(statusLines(data), ['HTTP/1.1 413 Content Too Large'])
    assert.equal(ran, false)
    await s.stop()
  })

  it('resolves every one of two concurrent stop() calls once drained', async () => {
    const s = await started((s) => s.get('/slow', async () => {
      await sleep(100)
      return 'slow'
    }))
    const c = await RawClient.connect(s.getPort())
    c.write(get('/slow'))
    await sleep(20)
    const t0 = Date.now()
    const done: number[] = []
    await Promise.all([s.stop({ timeout: 5000 }), s.stop({ timeout: 5000 })].map((p) => p.then(() => done.push(Date.now() - t0))))
    assert.equal(done.length, 2)
    assert.ok(done.every((ms) => ms < 2000), String(done))
    assert.match(await c.closedByPeer(), /slow/)
  })
})
