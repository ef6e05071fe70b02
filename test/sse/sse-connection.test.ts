import { describe, it, mock } from 'node:test'
import assert from 'node:assert/strict'
import { SSEConnection, type SseCloseReason } from '../../src/sse/sse-connection.js'
import { isPorticoError } from '../../src/errors.js'
import { FakeTransport } from './fake-transport.js'

const opts = { heartbeatMs: 0 }
/** Writes of one tick reach the transport together, on the next tick. */
const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve))

describe('SSEConnection over a transport', () => {
  it('gives each connection a new id and keeps path, headers and Last-Event-ID', () => {
    const a = new SSEConnection(new FakeTransport(), { ...opts, path: '/a', headers: { 'last-event-id': '41' } })
    const b = new SSEConnection(new FakeTransport(), opts)
    assert.ok(b.connectionId > a.connectionId)
    assert.equal(a.path, '/a')
    assert.equal(a.lastEventId, '41')
    assert.equal(b.lastEventId, '')
    a.closeConnection()
    b.closeConnection()
  })

  it('writes events, data, comments and retry, each resolving true', async () => {
    const t = new FakeTransport()
    const c = new SSEConnection(t, opts)
    assert.equal(await c.sendEvent('greet', 'hi\nthere', '1'), true)
    assert.equal(await c.sendData('plain'), true)
    assert.equal(await c.sendComment('note'), true)
    assert.equal(await c.setRetry(3000), true)
    await tick()
    assert.equal(t.chunks.length, 1, 'one write for the burst')
    assert.equal(t.text, 'event: greet\nid: 1\ndata: hi\ndata: there\n\ndata: plain\n\n: note\nretry: 3000\n')
    c.closeConnection()
  })

  it('treats an empty event id as no id, as the seed default', async () => {
    const t = new FakeTransport()
    const c = new SSEConnection(t, opts)
    await c.sendEvent('x', 'd', '')
    await tick()
    assert.equal(t.text, 'event: x\ndata: d\n\n')
    c.closeConnection()
  })

  it('rejects sends on a closed connection with PORTICO_ERR_SSE_CLOSED', async () => {
    const t = new FakeTransport()
    const c = new SSEConnection(t, opts)
    c.closeConnection()
    assert.equal(c.isConnectionActive(), false)
    assert.equal(t.ended, true)
    const closed = (e: unknown) => isPorticoError(e, 'PORTICO_ERR_SSE_CLOSED')
    await assert.rejects(c.sendEvent('a', 'b'), closed)
    await assert.rejects(c.sendData('b'), closed)
    await assert.rejects(c.sendComment('b'), closed)
    await assert.rejects(c.setRetry(1), closed)
  })

  it('does not raise an unhandled rejection for a send nobody awaits', async () => {
    const c = new SSEConnection(new FakeTransport(), opts)
    c.closeConnection()
    const seen: unknown[] = []
    const onUnhandled = (e: unknown) => seen.push(e)
    process.on('unhandledRejection', onUnhandled)
    void c.sendData('lost')
    await new Promise((r) => setTimeout(r, 10))
    process.off('unhandledRejection', onUnhandled)
    assert.deepEqual(seen, [])
  })

  it('throws at once for an invalid event type or id', () => {
    const c = new SSEConnection(new FakeTransport(), opts)
    assert.throws(() => c.sendEvent('a\nb', 'x'), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_INVALID_FIELD'))
    assert.throws(() => c.sendEvent('a', 'x', 'i\0d'), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_INVALID_FIELD'))
    c.closeConnection()
  })

  it('reports a peer disconnect at once with reason client', () => {
    const t = new FakeTransport()
    const c = new SSEConnection(t, opts)
    const reasons: SseCloseReason[] = []
    c.onClose((r) => reasons.push(r))
    t.close()
    assert.equal(c.isConnectionActive(), false)
    assert.deepEqual(reasons, ['client'])
  })

  it('sends retry and what is pending before closing when asked', () => {
    const t = new FakeTransport()
    const c = new SSEConnection(t, opts)
    void c.sendData('last')
    c.closeConnection({ retryMs: 10000 })
    assert.equal(t.text, 'data: last\n\nretry: 10000\n')
    assert.equal(t.ended, true)
  })

  it('closes a slow consumer past the high-water mark by default', async () => {
    const t = new FakeTransport()
    const c = new SSEConnection(t, { ...opts, highWaterMark: 100 })
    const reasons: SseCloseReason[] = []
    c.onClose((r) => reasons.push(r))
    t.stall()
    const results: boolean[] = []
    while (c.isConnectionActive()) results.push(await c.sendData('x'.repeat(30)))
    assert.deepEqual(results, [true, true, false])
    assert.equal(t.destroyed, true)
    assert.deepEqual(reasons, ['slow-consumer'])
    assert.ok(t.writableLength <= 100)
    await assert.rejects(c.sendData('late'), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_CLOSED'))
  })

  it('drops events for a slow consumer with the drop policy and counts them', async () => {
    const t = new FakeTransport()
    const c = new SSEConnection(t, { ...opts, highWaterMark: 100, slowConsumer: 'drop' })
    t.stall()
    let written = 0
    for (let i = 0; i < 10; i++) if (await c.sendData('x'.repeat(30))) written++
    assert.equal(written, 2)
    assert.equal(c.droppedEvents, 8)
    assert.equal(c.isConnectionActive(), true)
    assert.ok(t.writableLength <= 100)
    c.closeConnection()
  })

  it('sends a heartbeat comment only when the stream was idle', async () => {
    mock.timers.enable({ apis: ['setInterval'] })
    try {
      const t = new FakeTransport()
      const c = new SSEConnection(t, { heartbeatMs: 1000 })
      mock.timers.tick(1000)
      await tick()
      assert.equal(t.text, ':\n')
      void c.sendData('x')
      mock.timers.tick(1000)
      await tick()
      assert.equal(t.text, ':\ndata: x\n\n')
      mock.timers.tick(1000)
      await tick()
      assert.equal(t.text, ':\ndata: x\n\n:\n')
      c.closeConnection()
      mock.timers.tick(5000)
      await tick()
      assert.equal(t.text, ':\ndata: x\n\n:\n')
    } finally {
      mock.timers.reset()
    }
  })

  it('sends the configured retry first', async () => {
    const t = new FakeTransport()
    const c = new SSEConnection(t, { ...opts, retryMs: 1500 })
    await tick()
    assert.equal(t.text, 'retry: 1500\n')
    c.closeConnection()
  })
})
