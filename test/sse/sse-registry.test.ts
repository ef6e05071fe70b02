import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { SseCloseReason } from '../../src/sse/sse-connection.js'
import { SseRegistry } from '../../src/sse/sse-registry.js'
import { ReplayBuffer } from '../../src/sse/replay-buffer.js'
import { encodeEvent } from '../../src/sse/event-encoder.js'
import { isPorticoError } from '../../src/errors.js'
import { open } from './fake-transport.js'

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve))


describe('SseRegistry', () => {
  it('lists open connections by id and forgets closed ones, telling its owner', () => {
    const log: string[] = []
    const registry = new SseRegistry({
      onOpen: (c) => log.push(`open ${c.connectionId}`),
      onClose: (c, r: SseCloseReason) => log.push(`close ${c.connectionId} ${r}`),
    })
    const a = open(registry)
    const b = open(registry)
    assert.deepEqual(registry.ids(), [a.c.connectionId, b.c.connectionId])
    a.t.close()
    b.c.closeConnection()
    assert.deepEqual(registry.ids(), [])
    assert.deepEqual(log, [
      `open ${a.c.connectionId}`,
      `open ${b.c.connectionId}`,
      `close ${a.c.connectionId} client`,
      `close ${b.c.connectionId} server`,
    ])
    assert.throws(() => registry.require(a.c.connectionId), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_UNKNOWN_CONNECTION'))
  })

  it('broadcasts the very same buffer to every member of a channel', async () => {
    const registry = new SseRegistry()
    const a = open(registry)
    const b = open(registry)
    const c = open(registry)
    a.c.join('news')
    b.c.join('news')
    assert.equal(registry.broadcast('news', 'headline', 'hi', '1'), 2)
    await tick()
    assert.equal(a.t.raw[0], b.t.raw[0])
    assert.equal(a.t.text, 'event: headline\nid: 1\ndata: hi\n\n')
    assert.equal(c.t.text, '')
    assert.deepEqual(registry.channelMembers('news').sort(), [a.c.connectionId, b.c.connectionId].sort())
    registry.closeAll()
  })

  it('broadcasts to every connection when no channel is given', async () => {
    const registry = new SseRegistry()
    const conns = [open(registry), open(registry), open(registry)]
    assert.equal(registry.broadcast(undefined, '', 'all'), 3)
    await tick()
    for (const { t } of conns) assert.equal(t.text, 'data: all\n\n')
    registry.closeAll()
  })

  it('stops sending to a connection that left the channel or closed', () => {
    const registry = new SseRegistry()
    const a = open(registry)
    const b = open(registry)
    a.c.join('x')
    b.c.join('x')
    a.c.leave('x')
    b.t.close()
    assert.equal(registry.broadcast('x', 'e', 'd'), 0)
    assert.deepEqual(registry.channelMembers('x'), [])
    registry.closeAll()
  })

  it('replays what a reconnecting client missed after its Last-Event-ID', async () => {
    const registry = new SseRegistry()
    registry.configureChannel('feed', { replay: { maxEvents: 10 } })
    for (let i = 1; i <= 5; i++) registry.broadcast('feed', 'n', String(i), String(i))
    const { t, c } = open(registry, '3')
    c.join('feed')
    await tick()
    assert.equal(t.text, 'event: n\nid: 4\ndata: 4\n\nevent: n\nid: 5\ndata: 5\n\n')
    const fresh = open(registry)
    fresh.c.join('feed')
    assert.equal(fresh.t.text, '')
    registry.closeAll()
  })

  it('replays the whole buffer when the Last-Event-ID fell out of it', async () => {
    const registry = new SseRegistry()
    registry.configureChannel('feed', { replay: { maxEvents: 2 } })
    for (let i = 1; i <= 5; i++) registry.broadcast('feed', '', String(i), String(i))
    const { t, c } = open(registry, '1')
    c.join('feed')
    await tick()
    assert.equal(t.text, 'id: 4\ndata: 4\n\nid: 5\ndata: 5\n\n')
    registry.closeAll()
  })

  it('closes every connection with a retry first', () => {
    const registry = new SseRegistry()
    const a = open(registry)
    registry.closeAll({ retryMs: 5000 })
    assert.equal(a.t.text, 'retry: 5000\n')
    assert.equal(registry.size, 0)
  })
})

describe('SseRegistry hooks and broadcastEncoded', () => {
  it('calls onChannelOpened for the first member and onChannelClosed when the last leaves or closes', () => {
    const registry = new SseRegistry()
    const log: string[] = []
    registry.onChannelOpened = (ch) => log.push(`opened ${ch}`)
    registry.onChannelClosed = (ch) => log.push(`closed ${ch}`)
    registry.onMemberJoined = (c, ch) => log.push(`joined ${c.connectionId} ${ch}`)
    registry.onMemberLeft = (c, ch) => log.push(`left ${c.connectionId} ${ch}`)
    const a = open(registry)
    const b = open(registry)
    a.c.join('news')
    b.c.join('news')
    a.c.leave('news')
    a.c.leave('news')
    b.t.close()
    assert.deepEqual(log, [
      'opened news',
      `joined ${a.c.connectionId} news`,
      `joined ${b.c.connectionId} news`,
      `left ${a.c.connectionId} news`,
      `left ${b.c.connectionId} news`,
      'closed news',
    ])
    assert.deepEqual(registry.channelNames(), [])
    registry.closeAll()
  })

  it('lists the channels that have members', () => {
    const registry = new SseRegistry()
    const a = open(registry)
    a.c.join('x')
    a.c.join('y')
    assert.deepEqual(registry.channelNames().sort(), ['x', 'y'])
    registry.closeAll()
    assert.deepEqual(registry.channelNames(), [])
  })

  it('writes already-encoded bytes to the members as they are and records them for replay', async () => {
    const registry = new SseRegistry()
    registry.configureChannel('feed', { replay: { maxEvents: 10 } })
    const member = open(registry)
    member.c.join('feed')
    const bytes = encodeEvent({ event: 'n', data: 'one', id: '1' })
    assert.equal(registry.broadcastEncoded('feed', bytes, '1'), 1)
    registry.broadcastEncoded('feed', encodeEvent({ event: 'n', data: 'two', id: '2' }), '2')
    await tick()
    assert.equal(member.t.text, 'event: n\nid: 1\ndata: one\n\nevent: n\nid: 2\ndata: two\n\n')
    const late = open(registry, '1')
    late.c.join('feed')
    await tick()
    assert.equal(late.t.text, 'event: n\nid: 2\ndata: two\n\n')
    registry.closeAll()
  })
})

describe('ReplayBuffer', () => {
  it('keeps only the last maxEvents events', () => {
    const r = new ReplayBuffer({ maxEvents: 3 })
    for (let i = 0; i < 100; i++) r.push(String(i), encodeEvent({ id: String(i), data: 'x' }))
    assert.equal(r.size, 3)
    assert.deepEqual(r.since('98').map((b) => Buffer.from(b).toString()), ['id: 99\ndata: x\n\n'])
  })

  it('forgets events older than maxAgeMs', async () => {
    const r = new ReplayBuffer({ maxAgeMs: 20 })
    r.push('1', encodeEvent({ id: '1', data: 'x' }))
    await new Promise((res) => setTimeout(res, 40))
    r.push('2', encodeEvent({ id: '2', data: 'y' }))
    assert.equal(r.size, 1)
    assert.equal(r.since('0').length, 1)
  })
})
