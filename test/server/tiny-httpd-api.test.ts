/**
 * tiny_httpd's `create` options and main loop (seed 001) over real loopback sockets: `addr`,
 * `port`, `sock`, `bufSize`, `getTimeS`, `newThread`, `middlewares`, `masksigpipe`, `run`,
 * `runExn`, `running`, `getAddress`, `isIPv6`, `port`, and any-method routes (`all`).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { createServer, type Server } from '../../src/server/index.js'
import type { RunResult } from '../../src/server/run.js'
import type { NewThread, ServerOptions } from '../../src/server/types.js'
import { RawClient, eventually, get, sleep, statusLines } from './helpers.js'

/** `run()` on 127.0.0.1, port 0: resolves once listening, with the promise of the run's end. */
async function running(options: ServerOptions, setup: (s: Server) => void = () => {}): Promise<{ s: Server; done: Promise<RunResult> }> {
  const s = createServer({ addr: '127.0.0.1', port: 0, ...options })
  s.on('serverError', () => {})
  setup(s)
  let listening!: () => void
  const ready = new Promise<void>((resolve) => (listening = resolve))
  const done = s.run(() => listening())
  await Promise.race([ready, done.then((r) => assert.fail('run ended early: ' + JSON.stringify(r)))])
  return { s, done }
}

/** A port taken by another listener, and how to free it. */
async function takenPort(): Promise<{ port: number; free: () => Promise<void> }> {
  const other = net.createServer()
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
  const port = (other.address() as net.AddressInfo).port
  return { port, free: () => new Promise((resolve) => other.close(() => resolve())) }
}

describe('tiny_httpd create options and run()', () => {
  it('run() listens on addr:port, calls afterInit once listening, and resolves { ok: true } after stop()', async () => {
    const seen: number[] = []
    const s = createServer({ addr: '127.0.0.1', port: 0, afterInit: (srv) => seen.push(srv.getPort()) })
    s.get('/', () => 'ran')
    assert.equal(s.running, false)
    let afterInitPort = -1
    const done = s.run((srv) => {
      afterInitPort = srv.getPort()
      assert.equal(srv.running, true)
    })
    await eventually(() => afterInitPort > 0)
    assert.deepEqual(seen, [afterInitPort], "the option's afterInit runs too, once")
    assert.equal(s.port, afterInitPort)
    assert.equal(s.getAddress(), '127.0.0.1')
    assert.equal(await (await fetch(`http://127.0.0.1:${s.port}/`)).text(), 'ran')
    let settled = false
    void done.then(() => (settled = true))
    await sleep(30)
    assert.equal(settled, false, 'run() is pending while the server runs')
    await s.stop()
    assert.deepEqual(await done, { ok: true })
    assert.equal(s.running, false)
  })

  it('run() defaults to 127.0.0.1:8080 (the configured values before listening)', () => {
    const s = createServer()
    assert.equal(s.getAddress(), '127.0.0.1')
    assert.equal(s.port, 8080)
    assert.equal(s.getPort(), 0, 'getPort() keeps the seed 000 contract: 0 when not listening')
    assert.equal(s.isIPv6(), false)
  })

  it('run() resolves { ok: false, error } when the port is taken, and runExn() rejects', async () => {
    const { port, free } = await takenPort()
    try {
      const s = createServer({ addr: '127.0.0.1', port })
      let called = false
      const result = await s.run(() => (called = true))
      assert.equal(result.ok, false)
      assert.equal((result as { error: NodeJS.ErrnoException }).error.code, 'EADDRINUSE')
      assert.equal(called, false, 'afterInit is not called when listening fails')
      assert.equal(s.running, false)
      await assert.rejects(createServer({ addr: '127.0.0.1', port }).runExn(), { code: 'EADDRINUSE' })
    } finally {
      await free()
    }
  })

  it('runExn() resolves once stopped', async () => {
    const s = createServer({ addr: '127.0.0.1', port: 0 })
    let listening = false
    const done = s.runExn(() => (listening = true))
    await eventually(() => listening)
    await s.stop({ graceful: false })
    assert.equal(await done, undefined)
  })

  it('run() resolves { ok: false, error } and stops when the listener dies with an error', async () => {
    const sock = net.createServer({ allowHalfOpen: true })
    await new Promise<void>((resolve) => sock.listen(0, '127.0.0.1', resolve))
    const { s, done } = await running({ sock })
    const boom = new Error('accept failed')
    sock.emit('error', boom)
    const result = await done
    assert.deepEqual(result, { ok: false, error: boom })
    assert.equal(s.running, false)
    await new Promise<void>((resolve) => sock.close(() => resolve()))
  })

  it('run() resolves { ok: false, error } and stops when afterInit throws', async () => {
    const s = createServer({ addr: '127.0.0.1', port: 0 })
    const oops = new Error('oops')
    const result = await s.run(() => {
      throw oops
    })
    assert.deepEqual(result, { ok: false, error: oops })
    assert.equal(s.running, false)
  })

  it('sock: run() serves an existing net.Server instead of addr/port', async () => {
    const sock = net.createServer({ allowHalfOpen: true })
    await new Promise<void>((resolve) => sock.listen(0, '127.0.0.1', resolve))
    const port = (sock.address() as net.AddressInfo).port
    const { s, done } = await running({ sock, addr: '10.255.255.1', port: 1 }, (s) => s.get('/', () => 'adopted'))
    assert.equal(s.port, port)
    assert.equal(s.getAddress(), '127.0.0.1')
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'adopted')
    await s.stop()
    assert.deepEqual(await done, { ok: true })
    await new Promise<void>((resolve) => sock.close(() => resolve()))
  })

  it('getAddress() and isIPv6() tell the address listened on', async () => {
    assert.equal(createServer({ addr: '::1' }).isIPv6(), true)
    assert.equal(createServer({ addr: '::1' }).getAddress(), '::1')
    const s = createServer()
    await s.listen(0) // '*': dual-stack where the host has IPv6
    assert.ok(['::', '0.0.0.0'].includes(s.getAddress()), s.getAddress())
    assert.equal(s.isIPv6(), net.isIPv6(s.getAddress()))
    await s.stop()
    let v6: Server | undefined = createServer({ addr: '::1', port: 0 })
    try {
      await v6.listen(0, '::1')
    } catch {
      v6 = undefined // no IPv6 loopback on this host
    }
    if (v6 !== undefined) {
      assert.equal(v6.getAddress(), '::1')
      assert.equal(v6.isIPv6(), true)
      await v6.stop()
    }
  })

  it('bufSize sets the readable and writable highWaterMark of the accepted sockets', async () => {
    const { s, done } = await running({ bufSize: 4096 }, (s) =>
      s.get('/', (req) => ({ r: req.socket?.readableHighWaterMark, w: req.socket?.writableHighWaterMark })),
    )
    const body = await (await fetch(`http://127.0.0.1:${s.port}/`)).json()
    assert.deepEqual(body, { r: 4096, w: 4096 })
    await s.stop()
    await done
    const plain = createServer({ bufSize: 8192 })
    plain.get('/', (req) => String(req.socket?.writableHighWaterMark))
    await plain.listen(0, '127.0.0.1')
    assert.equal(await (await fetch(`http://127.0.0.1:${plain.getPort()}/`)).text(), '8192', 'listen() uses it too')
    await plain.stop()
  })

  it('getTimeS: the timeouts follow the given clock (seconds), not the wall clock', async () => {
    let nowS = 1_000
    const { s, done } = await running(
      { getTimeS: () => nowS, idleTimeout: 100, keepAliveTimeout: 0, headersTimeout: 0, requestTimeout: 0 },
      (s) => s.get('/', () => 'x'),
    )
    const c = await RawClient.connect(s.port)
    c.write('GET / HTTP/1.1\r\nHo') // a partial head, then silence
    await sleep(400) // four times idleTimeout on the wall clock; the server clock stands still
    assert.equal(c.closed, false, 'not closed while the fake clock stands still')
    nowS += 1 // one second later, for the server
    await c.closedByPeer(2000)
    await s.stop()
    assert.deepEqual(await done, { ok: true })
  })

  it('newThread: every accepted connection is served through it', async () => {
    let calls = 0
    const newThread: NewThread = (serve) => {
      calls++
      void serve()
    }
    const { s, done } = await running({ newThread }, (s) => s.get('/', () => 'threaded'))
    for (let i = 0; i < 2; i++) {
      const c = await RawClient.connect(s.port)
      c.write(get('/', 'Connection: close\r\n'))
      assert.match(await c.closedByPeer(), /\r\n\r\nthreaded$/)
    }
    assert.equal(calls, 2)
    await s.stop()
    await done
  })

  it('newThread: a deferred serve leaves the socket unread until it runs', async () => {
    const queue: (() => Promise<void>)[] = []
    const { s, done } = await running({ newThread: (serve) => void queue.push(serve) }, (s) => s.get('/', () => 'later'))
    const c = await RawClient.connect(s.port)
    c.write(get('/'))
    await eventually(() => queue.length === 1)
    await sleep(50)
    assert.equal(c.data, '', 'not served yet')
    assert.equal(s.activeConnections, 0)
    const closed = (queue.shift() as () => Promise<void>)()
    await c.until((d) => d.endsWith('\r\n\r\nlater'))
    assert.equal(s.activeConnections, 1)
    let settled = false
    void closed.then(() => (settled = true))
    await sleep(20)
    assert.equal(settled, false, "serve()'s promise waits for the connection to close")
    c.close()
    await closed
    await s.stop()
    await done
  })

  it('newThread: a pool of one serves the next connection when the first closes', async () => {
    const waiting: (() => Promise<void>)[] = []
    let busy = false
    const pool: NewThread = (serve) => {
      if (busy) return void waiting.push(serve)
      busy = true
      const next = (): void => {
        const s = waiting.shift()
        if (s === undefined) busy = false
        else void s().then(next)
      }
      void serve().then(next)
    }
    const { s, done } = await running({ newThread: pool }, (s) => s.get('/', () => 'pooled'))
    const a = await RawClient.connect(s.port)
    a.write(get('/'))
    await a.until((d) => d.endsWith('pooled'))
    const b = await RawClient.connect(s.port)
    b.write(get('/'))
    await sleep(80)
    assert.equal(b.data, '', 'the second connection waits for a free slot')
    a.close()
    await b.until((d) => d.endsWith('pooled'))
    b.close()
    await s.stop()
    await done
  })

  it('newThread: a connection closed before serve runs ends at once; one held at stop() is dropped', async () => {
    const queue: (() => Promise<void>)[] = []
    const { s, done } = await running({ newThread: (serve) => void queue.push(serve) }, (s) => s.get('/', () => 'x'))
    const gone = await RawClient.connect(s.port)
    await eventually(() => queue.length === 1)
    gone.close()
    await sleep(30)
    await (queue.shift() as () => Promise<void>)() // settles at once: nothing to serve
    assert.equal(s.activeConnections, 0)
    const held = await RawClient.connect(s.port)
    held.write(get('/'))
    await eventually(() => queue.length === 1)
    await s.stop({ timeout: 1000 })
    await held.closedByPeer(2000)
    await (queue.shift() as () => Promise<void>)()
    assert.equal(held.data, '', 'never served')
    assert.deepEqual(await done, { ok: true })
  })

  it('newThread and maxConnections: a deferred connection counts against the limit', async () => {
    const queue: (() => Promise<void>)[] = []
    const { s, done } = await running({ maxConnections: 1, newThread: (serve) => void queue.push(serve) }, (s) => s.get('/', () => 'x'))
    const a = await RawClient.connect(s.port)
    await eventually(() => queue.length === 1)
    const b = await RawClient.connect(s.port)
    b.write(get('/'))
    await sleep(50)
    assert.equal(queue.length, 1, 'the second socket waits for a slot, before newThread')
    a.close() // its client leaves before it is served: the slot frees
    await eventually(() => queue.length === 2)
    await (queue[0] as () => Promise<void>)() // settles at once: nothing to serve
    assert.equal(s.activeConnections, 0)
    void (queue[1] as () => Promise<void>)()
    await b.until((d) => d.endsWith('\r\n\r\nx'))
    b.close()
    await s.stop()
    await done
  })

  it('middlewares: [stage, middleware] pairs apply as use() would ("encoding" outermost, then stages ascending)', async () => {
    const order: string[] = []
    const mark = (name: string) => async (_req: unknown, _res: unknown, next: () => Promise<void>) => {
      order.push(name)
      await next()
    }
    const { s, done } = await running(
      { middlewares: [[2, mark('stage 2')], ['encoding', mark('encoding')], [1, mark('stage 1')]] },
      (s) => s.get('/', () => 'x'),
    )
    assert.equal(await (await fetch(`http://127.0.0.1:${s.port}/`)).text(), 'x')
    assert.deepEqual(order, ['encoding', 'stage 1', 'stage 2'])
    await s.stop()
    await done
    assert.throws(() => createServer({ middlewares: [[0, mark('bad')]] }), { code: 'PORTICO_ERR_MIDDLEWARE_INVALID_STAGE' })
  })

  it('masksigpipe is accepted and changes nothing (Node ignores SIGPIPE)', async () => {
    const { s, done } = await running({ masksigpipe: false }, (s) => s.get('/', () => 'x'.repeat(1 << 20)))
    const c = await RawClient.connect(s.port)
    c.write(get('/'))
    await c.until((d) => d.length > 0)
    c.close() // the server keeps writing to a broken socket: EPIPE on that socket only
    await sleep(50)
    assert.equal(await (await fetch(`http://127.0.0.1:${s.port}/`)).text(), 'x'.repeat(1 << 20))
    await s.stop()
    await done
  })

  it('maxRequestSize as an option takes sizes beyond the 1 MiB clamp of setMaxRequestSize', () => {
    const s = createServer({ maxRequestSize: 8 * 1024 * 1024 })
    assert.equal(s.getMaxRequestSize(), 8 * 1024 * 1024)
    s.setMaxRequestSize(8 * 1024 * 1024)
    assert.equal(s.getMaxRequestSize(), 1024 * 1024)
  })
})

// Needs the router to accept the method '*' (router.add('*', …)); until then registerRoute('*')
// fails in the router with PORTICO_ERR_ROUTE_INVALID_METHOD.
describe('any-method routes: all() and registerRoute("*")', () => {
  it('all(path) answers every method on its path', async () => {
    const { s, done } = await running({}, (s) => s.all('/any/{id:int}', (req) => `${req.method} ${req.params.id + 1}`))
    const c = await RawClient.connect(s.port)
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'QUERY']) {
      c.write(`${method} /any/41 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`)
    }
    await c.until((d) => statusLines(d).length === 6 && d.endsWith('QUERY 42'))
    assert.deepEqual(statusLines(c.data), Array(6).fill('HTTP/1.1 200 OK'))
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'QUERY']) assert.ok(c.data.includes(`${method} 42`), method)
    c.close()
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/other`)).status, 404)
    await s.stop()
    await done
  })

  it("registerRoute('*') is the same route, and unregisterRoute('*') removes it", async () => {
    const { s, done } = await running({}, (s) => s.registerRoute('*', '/hook', (req) => req.method))
    const res = await fetch(`http://127.0.0.1:${s.port}/hook`, { method: 'POST', body: 'x' })
    assert.equal(await res.text(), 'POST')
    assert.equal(s.unregisterRoute('*', '/hook'), true)
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/hook`)).status, 404)
    await s.stop()
    await done
  })

  it('still refuses methods the parser refuses', () => {
    assert.throws(() => createServer().registerRoute('BREW', '/pot', () => 'tea'), { code: 'PORTICO_ERR_ROUTE_INVALID_METHOD' })
  })
})
