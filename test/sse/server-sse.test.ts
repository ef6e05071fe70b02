import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import '../../src/sse/install.js'
import { createServer, type Server } from '../../src/server/server.js'
import type { SSEConnection, SseCloseReason } from '../../src/sse/sse-connection.js'
import { isPorticoError } from '../../src/errors.js'
import { RawSseClient } from './raw-client.js'

let server: Server | undefined
const clients: RawSseClient[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await server?.stop({ graceful: false, timeout: 1000 })
  server = undefined
})

/** A server whose /events route starts a stream (joining `?channel=`), remembering each connection. */
async function start(): Promise<{ server: Server; port: number; conns: SSEConnection[]; opened: Promise<void>[] }> {
  const s = createServer()
  server = s
  const conns: SSEConnection[] = []
  s.get('/events', (req, res) => {
    const conn = res.startSSE({ heartbeatMs: 0 })
    const channel = req.getQueryParam('channel')
    if (channel !== undefined) conn.join(channel)
    conns.push(conn)
  })
  await s.listen(0, '127.0.0.1')
  return { server: s, port: s.getPort(), conns, opened: [] }
}

async function open(port: number, path = '/events', headers: Record<string, string> = {}): Promise<RawSseClient> {
  const c = await RawSseClient.open(port, path, headers)
  clients.push(c)
  await c.waitFor(() => c.head !== '')
  return c
}

function nextOpened(s: Server): Promise<[number, string, Record<string, string>]> {
  return new Promise((resolve) => s.once('sseConnectionOpened', (id, path, headers) => resolve([id, path, headers])))
}

function nextClosed(s: Server): Promise<number> {
  return new Promise((resolve) => s.once('sseConnectionClosed', (id) => resolve(id)))
}

describe('res.startSSE() over real sockets', () => {
  it('answers 200 with the event-stream headers, no length, no compression', async () => {
    const { port } = await start()
    const c = await open(port, '/events', { 'Accept-Encoding': 'gzip' })
    assert.match(c.head, /^HTTP\/1\.1 200 /)
    assert.equal(c.header('content-type'), 'text/event-stream; charset=utf-8')
    assert.equal(c.header('cache-control'), 'no-cache')
    assert.equal(c.header('x-accel-buffering'), 'no')
    assert.equal(c.header('content-length'), undefined)
    assert.equal(c.header('content-encoding'), undefined)
    assert.equal(c.header('transfer-encoding'), undefined)
  })

  it('emits sseConnectionOpened with id, path and headers, and lists the connection', async () => {
    const { server: s, port } = await start()
    const opened = nextOpened(s)
    await open(port, '/events', { 'X-Client': 'raw', 'Last-Event-ID': '12' })
    const [id, path, headers] = await opened
    assert.equal(path, '/events')
    assert.equal(headers['x-client'], 'raw')
    assert.deepEqual(s.getActiveSseConnections(), [id])
    assert.equal(s.getSseConnection(id)?.lastEventId, '12')
  })

  it('sends events, data, comments and retry through the server by id', async () => {
    const { server: s, port } = await start()
    const opened = nextOpened(s)
    const c = await open(port)
    const [id] = await opened
    assert.equal(await s.sendSseEvent(id, 'greet', 'line 1\nline 2\r\nline 3', 'e1'), true)
    assert.equal(await s.sendSseData(id, { json: true }), true)
    assert.equal(await s.sendSseComment(id, 'keep'), true)
    assert.equal(await s.sendSseRetry(id, 2500), true)
    const expected = 'event: greet\nid: e1\ndata: line 1\ndata: line 2\ndata: line 3\n\ndata: {"json":true}\n\n: keep\nretry: 2500\n'
    await c.waitFor(expected)
    assert.equal(c.body, expected)
  })

  it('throws at once for an invalid event type sent by id', async () => {
    const { server: s, port } = await start()
    const opened = nextOpened(s)
    await open(port)
    const [id] = await opened
    assert.throws(() => s.sendSseEvent(id, 'bad\ntype', 'x'), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_INVALID_FIELD'))
    assert.throws(() => s.broadcast(undefined, 'ok', 'x', 'bad\0id'), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_INVALID_FIELD'))
  })

  it('closes a connection by id, emitting sseConnectionClosed, and the client sees the end', async () => {
    const { server: s, port, conns } = await start()
    const opened = nextOpened(s)
    const c = await open(port)
    const [id] = await opened
    const closed = nextClosed(s)
    assert.equal(s.closeSseConnection(id), true)
    assert.equal(await closed, id)
    await c.waitEnd()
    assert.deepEqual(s.getActiveSseConnections(), [])
    assert.equal(conns[0].isConnectionActive(), false)
    assert.equal(s.closeSseConnection(id), false)
    await assert.rejects(s.sendSseData(id, 'x'), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_UNKNOWN_CONNECTION'))
    await assert.rejects(conns[0].sendData('x'), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_CLOSED'))
  })

  it('sees a client that disconnects at once, without writing to it', async () => {
    const { server: s, port, conns } = await start()
    const opened = nextOpened(s)
    const c = await open(port)
    const [id] = await opened
    const reasons: SseCloseReason[] = []
    conns[0].onClose((r) => reasons.push(r))
    const closed = nextClosed(s)
    c.close()
    assert.equal(await closed, id)
    assert.deepEqual(reasons, ['client'])
    assert.deepEqual(s.getActiveSseConnections(), [])
  })

  it('refuses startSSE after the head was sent', async () => {
    const s = createServer()
    server = s
    let error: unknown
    s.get('/late', (_req, res) => {
      res.openStream().write('x')
      try {
        res.startSSE()
      } catch (err) {
        error = err
      }
      res.end()
    })
    await s.listen(0, '127.0.0.1')
    const c = await open(s.getPort(), '/late')
    await c.waitFor('0\r\n\r\n')
    assert.ok(isPorticoError(error, 'PORTICO_ERR_SSE_HEADERS_SENT'))
  })

  it('answers HEAD with the headers and closes at once', async () => {
    const { server: s, port } = await start()
    const closed = nextClosed(s)
    const c = await RawSseClient.open(port, '/events', {}, 'HEAD')
    clients.push(c)
    await closed
    await c.waitFor(() => c.head !== '')
    assert.equal(c.header('content-type'), 'text/event-stream; charset=utf-8')
    assert.equal(c.body, '')
  })

  it('sends a heartbeat comment on an idle stream', async () => {
    const s = createServer()
    server = s
    s.get('/beat', (_req, res) => {
      res.startSSE({ heartbeatMs: 10 })
    })
    await s.listen(0, '127.0.0.1')
    const c = await open(s.getPort(), '/beat')
    await c.waitFor(':\n:\n')
  })
})

describe('broadcast and channels over real sockets', () => {
  it('broadcasts to a channel only, and to everyone without one', async () => {
    const { server: s, port } = await start()
    const a = await open(port, '/events?channel=red')
    const b = await open(port, '/events?channel=red')
    const c = await open(port, '/events?channel=blue')
    while (s.getActiveSseConnections().length < 3) await new Promise((r) => setImmediate(r))
    assert.equal(s.broadcast('red', 'paint', 'R', '1'), 2)
    assert.equal(s.broadcast(undefined, '', 'all'), 3)
    await a.waitFor('data: all\n\n')
    await b.waitFor('data: all\n\n')
    await c.waitFor('data: all\n\n')
    assert.equal(a.body, 'event: paint\nid: 1\ndata: R\n\ndata: all\n\n')
    assert.equal(b.body, a.body)
    assert.equal(c.body, 'data: all\n\n')
  })

  it('replays more than the high-water mark to a client that reads, without calling it slow', async () => {
    const { server: s, port } = await start()
    s.sseChannel('big', { replay: { maxEvents: 200 } })
    const payload = 'y'.repeat(16 * 1024)
    for (let i = 1; i <= 100; i++) s.broadcast('big', 'n', payload, String(i))
    // 99 events of 16 KiB: 1.6 MB written in one tick, past the default 1 MiB mark.
    const c = await open(port, '/events?channel=big', { 'Last-Event-ID': '1' })
    await c.waitFor('id: 100\n')
    assert.equal(c.body.split('event: n\n').length - 1, 99)
  })

  it('reports an onClose listener that throws through serverError and still runs the others', async () => {
    const { server: s, port, conns } = await start()
    const errors: string[] = []
    s.on('serverError', (message) => errors.push(message))
    const c = await open(port)
    while (conns.length === 0) await new Promise((r) => setImmediate(r))
    const ran: string[] = []
    conns[0].onClose(() => {
      throw new Error('listener bug')
    })
    conns[0].onClose(() => ran.push('second'))
    const closed = nextClosed(s)
    c.close()
    await closed
    assert.deepEqual(ran, ['second'])
    assert.deepEqual(errors, ['An SSE onClose listener threw'])
  })

  it('answers 500 when startSSE gets an invalid retryMs, before any header is sent', async () => {
    const s = createServer()
    server = s
    s.on('serverError', () => {})
    let thrown: unknown
    s.get('/events', (_req, res) => {
      try {
        res.startSSE({ retryMs: -1 })
      } catch (err) {
        thrown = err
        throw err
      }
    })
    await s.listen(0, '127.0.0.1')
    const response = await fetch(`http://127.0.0.1:${s.getPort()}/events`)
    assert.equal(response.status, 500)
    await response.arrayBuffer()
    assert.ok(isPorticoError(thrown, 'PORTICO_ERR_SSE_INVALID_RETRY'))
    assert.equal(s.getActiveSseConnections().length, 0)
  })

  it('replays missed events to a client reconnecting with Last-Event-ID', async () => {
    const { server: s, port } = await start()
    s.sseChannel('feed', { replay: { maxEvents: 100 } })
    for (let i = 1; i <= 4; i++) s.broadcast('feed', 'n', `v${i}`, String(i))
    const c = await open(port, '/events?channel=feed', { 'Last-Event-ID': '2' })
    await c.waitFor('data: v4\n\n')
    assert.equal(c.body, 'event: n\nid: 3\ndata: v3\n\nevent: n\nid: 4\ndata: v4\n\n')
  })
})

describe('slow consumers over real sockets', () => {
  async function flood(s: Server, conn: SSEConnection, stopWhen: () => boolean): Promise<number> {
    const big = 'x'.repeat(64 * 1024)
    let maxBuffered = 0
    for (let i = 0; i < 2000 && !stopWhen(); i++) {
      s.broadcast(undefined, '', big)
      maxBuffered = Math.max(maxBuffered, conn.bufferedAmount)
      await new Promise((r) => setImmediate(r))
    }
    return maxBuffered
  }

  it('closes a client that stopped reading once it passes the high-water mark', async () => {
    const s = createServer()
    server = s
    s.configureSse({ heartbeatMs: 0, highWaterMark: 256 * 1024 })
    const conns: SSEConnection[] = []
    s.get('/events', (_req, res) => {
      conns.push(res.startSSE())
    })
    await s.listen(0, '127.0.0.1')
    const c = await open(s.getPort())
    c.socket.pause()
    while (conns.length === 0) await new Promise((r) => setImmediate(r))
    const reasons: SseCloseReason[] = []
    conns[0].onClose((r) => reasons.push(r))
    const closed = nextClosed(s)
    const maxBuffered = await flood(s, conns[0], () => !conns[0].isConnectionActive())
    await closed
    assert.deepEqual(reasons, ['slow-consumer'])
    assert.ok(maxBuffered <= 256 * 1024 + 64 * 1024 + 16, `buffered ${maxBuffered}`)
  })

  it('drops events for a client that stopped reading with the drop policy, memory bounded', async () => {
    const s = createServer()
    server = s
    const conns: SSEConnection[] = []
    s.get('/events', (_req, res) => {
      conns.push(res.startSSE({ heartbeatMs: 0, highWaterMark: 256 * 1024, slowConsumer: 'drop' }))
    })
    await s.listen(0, '127.0.0.1')
    const c = await open(s.getPort())
    c.socket.pause()
    while (conns.length === 0) await new Promise((r) => setImmediate(r))
    const maxBuffered = await flood(s, conns[0], () => conns[0].droppedEvents >= 20)
    assert.ok(conns[0].droppedEvents >= 20)
    assert.equal(conns[0].isConnectionActive(), true)
    assert.ok(maxBuffered <= 256 * 1024 + 64 * 1024 + 16, `buffered ${maxBuffered}`)
  })
})

describe('stop() and the generator form', () => {
  it('graceful stop sends retry, closes every stream and emits sseConnectionClosed for each', async () => {
    const { server: s, port } = await start()
    s.configureSse({ stopRetryMs: 7000 })
    const a = await open(port)
    const b = await open(port)
    while (s.getActiveSseConnections().length < 2) await new Promise((r) => setImmediate(r))
    const ids = s.getActiveSseConnections()
    const closedIds: number[] = []
    s.on('sseConnectionClosed', (id) => closedIds.push(id))
    await s.stop({ graceful: true, timeout: 2000 })
    server = undefined
    await a.waitEnd()
    await b.waitEnd()
    assert.deepEqual(closedIds.sort(), ids.sort())
    assert.equal(a.body, 'retry: 7000\n')
    assert.equal(b.body, 'retry: 7000\n')
  })

  it("serves tiny_httpd's generator: headers, events with id and retry, closed when the handler returns", async () => {
    const s = createServer()
    server = s
    s.sse('/gen/{n:int}', async (req, gen) => {
      gen.setHeaders({ 'X-Gen': 'yes' })
      for (let i = 0; i < req.params.n; i++) await gen.sendEvent({ event: 'tick', id: String(i), data: `#${i}` })
      await gen.sendEvent({ retry: 100, data: 'last' })
    })
    await s.listen(0, '127.0.0.1')
    const closed = nextClosed(s)
    const c = await open(s.getPort(), '/gen/2')
    await c.waitEnd()
    await closed
    assert.equal(c.header('x-gen'), 'yes')
    assert.equal(c.header('content-type'), 'text/event-stream; charset=utf-8')
    assert.equal(c.body, 'event: tick\nid: 0\ndata: #0\n\nevent: tick\nid: 1\ndata: #1\n\nretry: 100\ndata: last\n\n')
  })

  it('reports a generator that fails after starting through serverError and ends the stream', async () => {
    const s = createServer()
    server = s
    const errors: unknown[] = []
    s.on('serverError', (_message: string, error: unknown) => errors.push(error))
    s.sse('/boom', async (_req, gen) => {
      await gen.sendEvent({ data: 'first' })
      throw new Error('boom')
    })
    await s.listen(0, '127.0.0.1')
    const c = await open(s.getPort(), '/boom')
    await c.waitEnd()
    assert.equal(c.body, 'data: first\n\n')
    assert.equal((errors[0] as Error).message, 'boom')
  })

  it('works under inject(), with no socket', async () => {
    const s = createServer()
    s.get('/e', (_req, res) => {
      const conn = res.startSSE({ heartbeatMs: 0 })
      void conn.sendEvent('x', 'a\nb', '1')
      conn.closeConnection()
    })
    const r = await s.inject({ method: 'GET', url: '/e' })
    assert.equal(r.statusCode, 200)
    assert.equal(r.headers['content-type'], 'text/event-stream; charset=utf-8')
    assert.equal(r.text(), 'event: x\nid: 1\ndata: a\ndata: b\n\n')
  })

  it('lets a generator wait for the client to leave', async () => {
    const s = createServer()
    server = s
    let ended = false
    s.sse('/wait', async (_req, gen) => {
      await gen.sendEvent({ data: 'hello' })
      await gen.closed
      ended = !gen.isActive()
    })
    await s.listen(0, '127.0.0.1')
    const closed = nextClosed(s)
    const c = await open(s.getPort(), '/wait')
    await c.waitFor('data: hello\n\n')
    c.close()
    await closed
    while (!ended) await new Promise((r) => setImmediate(r))
  })
})
