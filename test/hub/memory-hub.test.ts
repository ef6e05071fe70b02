import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { memoryHub } from '../../src/hub/memory-hub.js'
import { decodeFrame, encodeFrame } from '../../src/hub/frame.js'
import { memoryReplayStore, compareSeq } from '../../src/hub/replay-store.js'
import { attachHub } from '../../src/hub/attach.js'
import { createServer } from '../../src/server/server.js'
import { PorticoError } from '../../src/errors.js'
import type { HubMessage } from '../../src/hub/hub.js'
import { SseReader } from './helpers.js'

describe('hub frames', () => {
  it('round-trips origin, id, binary flag and arbitrary bytes', () => {
    const payload = Buffer.from([0, 255, 10, 13, 0x80, 0xc3])
    const frame = encodeFrame('abc.123', payload, true, 'id é 7')
    const decoded = decodeFrame(frame)
    assert.deepEqual(decoded && { ...decoded, payload: [...decoded.payload] }, { origin: 'abc.123', binary: true, id: 'id é 7', payload: [...payload] })
  })

  it('ignores bytes that are not a hub frame', () => {
    assert.equal(decodeFrame(Buffer.from('hello')), undefined)
    assert.equal(decodeFrame(Buffer.from([1, 0, 200, 1])), undefined)
  })
})

describe('memoryHub', () => {
  it('delivers to every listener of the topic before publish resolves, and to no other topic', async () => {
    const hub = memoryHub()
    const got: string[] = []
    hub.subscribe('a', (m) => got.push('1:' + m.payload.toString()))
    hub.subscribe('a', (m) => got.push('2:' + m.payload.toString()))
    hub.subscribe('b', (m) => got.push('b:' + m.payload.toString()))
    const done = hub.publish('a', 'hi')
    assert.deepEqual(got, ['1:hi', '2:hi'])
    assert.equal(await done, true)
    await hub.close()
  })

  it('keeps binary payloads byte for byte and tells strings from bytes', async () => {
    const hub = memoryHub()
    const got: HubMessage[] = []
    hub.subscribe('t', (m) => got.push(m))
    await hub.publish('t', new Uint8Array([0, 1, 254, 255]), { id: '9' })
    await hub.publish('t', 'text')
    assert.deepEqual([...got[0].payload], [0, 1, 254, 255])
    assert.equal(got[0].binary, true)
    assert.equal(got[0].id, '9')
    assert.equal(got[1].binary, false)
    assert.equal(got[0].origin, hub.origin)
    await hub.close()
  })

  it('stops delivering after unsubscribe and forgets the topic', async () => {
    const hub = memoryHub()
    let n = 0
    const off = hub.subscribe('t', () => n++)
    await hub.publish('t', 'x')
    off()
    await hub.publish('t', 'x')
    assert.equal(n, 1)
    assert.deepEqual(hub.topics(), [])
    await hub.close()
  })

  it('reports a throwing listener as an error event and still delivers to the others', async () => {
    const hub = memoryHub()
    const errors: Error[] = []
    hub.on('error', (e) => errors.push(e))
    let reached = false
    hub.subscribe('t', () => {
      throw new Error('boom')
    })
    hub.subscribe('t', () => (reached = true))
    await hub.publish('t', 'x')
    assert.equal(reached, true)
    assert.equal((errors[0] as PorticoError).code, 'PORTICO_ERR_HUB_LISTENER_FAILED')
    await hub.close()
  })

  it('rejects an empty topic, an id with a line break, and use after close', async () => {
    const hub = memoryHub()
    await assert.rejects(hub.publish('', 'x'), { code: 'PORTICO_ERR_HUB_INVALID_TOPIC' })
    await assert.rejects(hub.publish('t', 'x', { id: 'a\nb' }), { code: 'PORTICO_ERR_HUB_INVALID_TOPIC' })
    await hub.close()
    await assert.rejects(hub.publish('t', 'x'), { code: 'PORTICO_ERR_HUB_CLOSED' })
    assert.throws(() => hub.subscribe('t', () => {}), { code: 'PORTICO_ERR_HUB_CLOSED' })
  })
})

describe('memoryReplayStore', () => {
  it('numbers events per channel, adds the id line and answers what came after an id', async () => {
    const store = memoryReplayStore({ maxEvents: 3 })
    for (const d of ['a', 'b', 'c', 'd']) await store.append('ch', Buffer.from(`data: ${d}\n\n`))
    const after2 = await store.since('ch', '2')
    assert.deepEqual(after2.map((e) => Buffer.from(e.bytes).toString()), ['id: 3\ndata: c\n\n', 'id: 4\ndata: d\n\n'])
    assert.equal((await store.since('ch', 'unknown')).length, 3)
    assert.deepEqual((await store.after('ch', '3')).map((e) => e.seq), ['4'])
    assert.equal(await store.latest('ch'), '4')
    assert.ok(compareSeq('1700000000000-2', '1700000000001-0') < 0)
    await store.close()
  })
})

describe('attachHub with an in-process hub', () => {
  it('routes server.broadcast through the hub and replays from the store on Last-Event-ID', async () => {
    const server = createServer()
    server.get('/events', (_req, res) => {
      res.startSSE({ heartbeatMs: 0 }).join('news')
    })
    const attachment = attachHub(server, memoryHub(), { replay: memoryReplayStore() })
    await server.listen(0, '127.0.0.1')
    const port = server.getPort()
    const first = await SseReader.open(port, '/events')
    server.broadcast('news', 'headline', 'one')
    server.broadcast('news', 'headline', 'two')
    await first.until(() => first.events.length === 2)
    assert.deepEqual(first.events.map((e) => e.id), ['1', '2'])
    first.close()
    server.broadcast('news', 'headline', 'three')
    const again = await SseReader.open(port, '/events', '1')
    await again.until(() => again.events.length === 2)
    assert.deepEqual(again.data, ['two', 'three'])
    again.close()
    attachment.detach()
    await attachment.hub.close()
    await server.stop({ graceful: false })
  })

  it("keeps a channel's own replay buffer without a store, and detach restores the server", async () => {
    const server = createServer()
    server.sseChannel('feed', { replay: { maxEvents: 10 } })
    server.get('/events', (_req, res) => {
      res.startSSE({ heartbeatMs: 0 }).join('feed')
    })
    const attachment = attachHub(server, memoryHub())
    await server.listen(0, '127.0.0.1')
    const port = server.getPort()
    const first = await SseReader.open(port, '/events')
    assert.equal(server.broadcast('feed', 'x', 'a', '1'), 1)
    server.broadcast('feed', 'x', 'b', '2')
    await first.until(() => first.events.length === 2)
    first.close()
    const again = await SseReader.open(port, '/events', '1')
    await again.until(() => again.events.length === 1)
    assert.deepEqual(again.data, ['b'])
    attachment.detach()
    assert.equal(Object.hasOwn(server, 'broadcast'), false)
    server.broadcast('feed', 'x', 'c', '3')
    await again.until(() => again.events.length === 2)
    again.close()
    await attachment.hub.close()
    await server.stop({ graceful: false })
  })
})
