import { afterEach, describe, it, mock } from 'node:test'
import assert from 'node:assert/strict'
import { memoryReplayStore, type StoredEvent } from '../../src/hub/replay-store.js'

const body = (data: string): Buffer => Buffer.from(`data: ${data}\n\n`)
const dataOf = (events: StoredEvent[]): string[] => events.map((e) => Buffer.from(e.bytes).toString().split('data: ')[1].trim())

describe('memoryReplayStore bounds', () => {
  afterEach(() => mock.timers.reset())

  it('holds at most maxChannels channels, forgetting the least recently used one whole', async () => {
    const store = memoryReplayStore({ maxChannels: 2 })
    await store.append('a', body('a1'))
    await store.append('b', body('b1'))
    assert.deepEqual(dataOf(await store.since('a', '')), ['a1']) // a read is a use: b is now the oldest
    await store.append('c', body('c1'))
    assert.deepEqual(dataOf(await store.since('b', '')), [])
    assert.equal(await store.latest('b'), undefined)
    assert.deepEqual(dataOf(await store.since('a', '')), ['a1'])
    assert.deepEqual(dataOf(await store.since('c', '')), ['c1'])
    assert.equal(store.size, 2)
  })

  it('holds 10,000 channels by default', async () => {
    const store = memoryReplayStore()
    for (let i = 0; i <= 10_000; i++) await store.append('user:' + i, body(String(i)))
    assert.deepEqual(dataOf(await store.since('user:0', '')), [])
    assert.deepEqual(dataOf(await store.since('user:10000', '')), ['10000'])
    assert.equal(store.size, 10_000)
  })

  it('never gives an id twice, so an old Last-Event-ID of a forgotten channel matches no new event', async () => {
    const store = memoryReplayStore({ maxChannels: 1 })
    const old = await store.append('a', body('old'))
    await store.append('b', body('b1')) // forgets a
    const fresh = await store.append('a', body('new'))
    assert.notEqual(fresh.id, old.id)
    assert.ok(Number(fresh.seq) > Number(old.seq))
    // The old id is unknown: every stored event (at least once), not "nothing after it".
    assert.deepEqual(dataOf(await store.since('a', old.id)), ['new'])
  })

  it('forgets the events older than maxAgeMs, and a channel left with none', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 })
    const store = memoryReplayStore({ maxAgeMs: 60_000 })
    await store.append('room:1', body('r1'))
    await store.append('room:2', body('r2'))
    mock.timers.tick(30_000)
    await store.append('room:2', body('r2b'))
    mock.timers.tick(40_000) // room:1 is 70 s old, room:2's newest event 40 s
    await store.append('room:3', body('r3'))
    assert.equal(store.size, 2) // room:1 forgotten by the append, without being read
    assert.deepEqual(dataOf(await store.since('room:2', '')), ['r2b'])
    mock.timers.tick(50_000)
    assert.deepEqual(dataOf(await store.since('room:2', '')), [])
    assert.equal(store.size, 1)
    assert.deepEqual(dataOf(await store.since('room:3', '')), ['r3'])
    mock.timers.tick(20_000)
    assert.deepEqual(dataOf(await store.since('room:3', '')), [])
    assert.equal(store.size, 0)
  })

  it('keeps maxEvents per channel and answers after() by sequence', async () => {
    const store = memoryReplayStore({ maxEvents: 2 })
    const first = await store.append('x', body('1'))
    await store.append('y', body('y'))
    await store.append('x', body('2'))
    await store.append('x', body('3'))
    assert.deepEqual(dataOf(await store.after('x', first.seq)), ['2', '3'])
    assert.deepEqual(dataOf(await store.since('x', first.id)), ['2', '3'])
  })
})
