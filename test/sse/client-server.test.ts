import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import '../../src/sse/install.js'
import { createServer } from '../../src/server/server.js'
import { EventSource } from '../../src/sse/event-source.js'
import { sse } from '../../src/sse/sse-iterator.js'

describe("Portico's SSE client against Portico's server", () => {
  it('receives named events and resumes with a (UTF-8) Last-Event-ID from the replay buffer', async () => {
    const server = createServer()
    server.sseChannel('feed', { replay: { maxEvents: 50 } })
    const lastIds: string[] = []
    server.get('/feed', (_req, res) => {
      const conn = res.startSSE({ heartbeatMs: 0, retryMs: 10 })
      lastIds.push(conn.lastEventId)
      conn.join('feed')
    })
    await server.listen(0, '127.0.0.1')
    const url = `http://127.0.0.1:${server.getPort()}/feed`
    const es = new EventSource(url)
    const got: string[] = []
    const waitFor = (n: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (got.length >= n) resolve()
        }
        es.addEventListener('item', (ev) => {
          got.push(`${(ev as MessageEvent).data}@${(ev as MessageEvent).lastEventId}`)
          check()
        })
        check()
      })
    await new Promise((resolve) => es.addEventListener('open', resolve, { once: true }))
    server.broadcast('feed', 'item', 'a', '1')
    server.broadcast('feed', 'item', 'b', 'ü2')
    await waitFor(2)
    // The server drops the stream; while the client waits to reconnect, more events happen.
    const closed = new Promise((resolve) => server.once('sseConnectionClosed', resolve))
    for (const id of server.getActiveSseConnections()) server.closeSseConnection(id)
    await closed
    server.broadcast('feed', 'item', 'c', '3')
    await waitFor(3)
    assert.deepEqual(got.slice(0, 3), ['a@1', 'b@ü2', 'c@3'])
    assert.deepEqual(lastIds, ['', 'ü2'])
    es.close()
    await server.stop({ graceful: false, timeout: 1000 })
  })

  it('iterates a generator route with for await, ending on the server 204 after the stream', async () => {
    const server = createServer()
    let visits = 0
    server.get('/count', (_req, res) => {
      if (++visits > 1) {
        res.setStatus(204)
        res.end()
        return
      }
      const conn = res.startSSE({ heartbeatMs: 0, retryMs: 5 })
      void conn.sendEvent('n', '1\n2', 'x')
      conn.closeConnection()
    })
    await server.listen(0, '127.0.0.1')
    const seen: string[] = []
    for await (const ev of sse(`http://127.0.0.1:${server.getPort()}/count`)) seen.push(`${ev.type}|${ev.data}|${ev.lastEventId}`)
    assert.deepEqual(seen, ['n|1\n2|x'])
    assert.equal(visits, 2)
    await server.stop({ graceful: false, timeout: 1000 })
  })
})
