import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { redisHub, type RedisHub } from '../../src/hub/redis-hub.js'
import type { HubMessage } from '../../src/hub/hub.js'
import { freePort, sleep } from '../fixtures/net.js'
import { RedisProcess } from '../fixtures/redis.js'
import { gateSubscribe } from './helpers.js'

function waitFor(check: () => boolean, ms = 8000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = (): void => {
      if (check()) resolve()
      else if (Date.now() - started > ms) reject(new Error('condition not met'))
      else setTimeout(poll, 10)
    }
    poll()
  })
}

describe('redisHub against a real redis-server', () => {
  let redis: RedisProcess
  const hubs: RedisHub[] = []

  before(async () => {
    redis = await RedisProcess.start()
  })

  after(async () => {
    await Promise.all(hubs.map((h) => h.close()))
    await redis.stop()
  })

  async function hub(prefix = 'unit:'): Promise<RedisHub> {
    const h = await redisHub({ url: redis.url, prefix })
    h.on('error', () => {})
    hubs.push(h)
    return h
  }

  it('carries binary payloads and ids between hubs, and a hub never gets its own message twice', async () => {
    const a = await hub()
    const b = await hub()
    const atA: HubMessage[] = []
    const atB: HubMessage[] = []
    a.subscribe('t', (m) => atA.push(m))
    b.subscribe('t', (m) => atB.push(m))
    await sleep(50)
    const bytes = new Uint8Array(256).map((_, i) => i)
    assert.equal(await a.publish('t', bytes, { id: '42' }), true)
    await waitFor(() => atB.length === 1)
    await sleep(100)
    assert.equal(atA.length, 1)
    assert.deepEqual([...atB[0].payload], [...bytes])
    assert.equal(atB[0].id, '42')
    assert.equal(atB[0].origin, a.origin)
  })

  it('keeps SSE events in a stream per channel and finds what came after a stream id or a custom id', async () => {
    const h = await hub('store:')
    const store = h.replayStore({ maxLen: 100 })
    const one = await store.append('ch', Buffer.from('data: a\n\n'))
    const two = await store.append('ch', Buffer.from('data: b\n\n'), 'custom-2')
    await store.append('ch', Buffer.from('data: c\n\n'))
    assert.match(one.id, /^\d+-\d+$/)
    assert.equal(two.id, 'custom-2')
    assert.equal(Buffer.from(two.bytes).toString(), 'id: custom-2\ndata: b\n\n')
    const text = (events: { bytes: Uint8Array }[]): string[] => events.map((e) => Buffer.from(e.bytes).toString().split('\n')[1])
    assert.deepEqual(text(await store.since('ch', one.id)), ['data: b', 'data: c'])
    assert.deepEqual(text(await store.since('ch', 'custom-2')), ['data: c'])
    assert.deepEqual(text(await store.since('ch', 'gone')), ['data: a', 'data: b', 'data: c'])
    assert.equal((await store.after('ch', two.seq)).length, 1)
    assert.equal(await store.latest('ch'), (await store.after('ch', two.seq))[0].seq)
    assert.deepEqual(await store.since('empty', one.id), [])
  })

  it('whenSubscribed resolves once Redis answered the SUBSCRIBE, and a message published then arrives', async () => {
    const a = await hub('when:')
    const b = await hub('when:')
    await b.whenSubscribed('nothing-in-flight')
    const slow = gateSubscribe(b)
    const got: string[] = []
    b.subscribe('t', (m) => got.push(m.payload.toString()))
    let settled = false
    const subscribed = b.whenSubscribed('t').then(() => (settled = true))
    await a.publish('t', 'early') // a round trip to Redis while the SUBSCRIBE is held
    assert.equal(settled, false)
    slow.open()
    await subscribed
    await a.publish('t', 'now')
    await waitFor(() => got.length === 1)
    assert.deepEqual(got, ['now'])
  })

  it('keeps topics apart by prefix', async () => {
    const a = await hub('one:')
    const b = await hub('two:')
    let got = 0
    b.subscribe('t', () => got++)
    await sleep(50)
    await a.publish('t', 'x')
    await sleep(150)
    assert.equal(got, 0)
  })

  it('reconnects and resubscribes after Redis restarts, without crashing', async () => {
    const a = await hub('restart:')
    const b = await hub('restart:')
    const got: string[] = []
    b.subscribe('t', (m) => got.push(m.payload.toString()))
    await sleep(50)
    await a.publish('t', 'before')
    await waitFor(() => got.length === 1)
    const errors: Error[] = []
    b.on('error', (e) => errors.push(e))
    const back = new Promise((resolve) => b.once('connected', resolve))
    await redis.stop()
    await sleep(300)
    redis = await RedisProcess.start(redis.port)
    await back
    await waitFor(() => a.connected)
    await a.publish('t', 'after')
    await waitFor(() => got.length === 2)
    assert.deepEqual(got, ['before', 'after'])
    assert.equal((errors[0] as { code?: string }).code, 'PORTICO_ERR_HUB_UNREACHABLE')
  })
})

describe('redisHub when Redis is unreachable at start', () => {
  it('rejects with PORTICO_ERR_HUB_UNREACHABLE', async () => {
    const port = await freePort()
    await assert.rejects(redisHub({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 }), { code: 'PORTICO_ERR_HUB_UNREACHABLE' })
  })

  it("works locally with onUnreachable: 'local', reports an error, and joins once Redis answers", async () => {
    const port = await freePort()
    const a = await redisHub({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300, onUnreachable: 'local', redisOptions: { retryStrategy: () => 100 } })
    const errors: Error[] = []
    a.on('error', (e) => errors.push(e))
    const local: string[] = []
    a.subscribe('t', (m) => local.push(m.payload.toString()))
    void a.publish('t', 'here')
    assert.deepEqual(local, ['here'])
    await waitFor(() => errors.length > 0)
    assert.equal((errors[0] as { code?: string }).code, 'PORTICO_ERR_HUB_UNREACHABLE')
    const redis = await RedisProcess.start(port)
    try {
      await new Promise((resolve) => a.once('connected', resolve))
      const b = await redisHub({ url: redis.url })
      await b.publish('t', 'remote')
      await waitFor(() => local.length === 2)
      assert.deepEqual(local, ['here', 'remote'])
      await b.close()
    } finally {
      await a.close()
      await redis.stop()
    }
  })
})
