import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { redisHub, type RedisHub } from '../../src/hub/redis-hub.js'
import { loadRedis, whenReady } from '../../src/hub/redis-client.js'
import { SseBridge } from '../../src/hub/sse-bridge.js'
import { SseRegistry } from '../../src/sse/sse-registry.js'
import { RedisProcess } from '../fixtures/redis.js'
import { open } from '../sse/fake-transport.js'
import { dataOf, delaySubscriber, waitFor } from './helpers.js'

const noFail = (message: string, error: unknown): void => assert.fail(`${message}: ${String(error)}`)

/** A TCP gate in front of Redis: refuses connections until opened (Redis "unreachable"). */
async function gate(target: number): Promise<{ url: string; open(): void; close(): Promise<void> }> {
  let opened = false
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    if (!opened) {
      client.destroy()
      return
    }
    const upstream = connect(target, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => {
        sockets.delete(s)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `redis://127.0.0.1:${port}`,
    open: () => {
      opened = true
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describe('SseBridge on Redis Streams: replay while the subscriber connection lags', () => {
  let redis: RedisProcess
  let a: RedisHub
  let b: RedisHub
  const registryA = new SseRegistry()
  const registryB = new SseRegistry()
  let bridgeA: SseBridge
  let bridgeB: SseBridge
  let lag: ReturnType<typeof delaySubscriber>
  let member: ReturnType<typeof open>

  before(async () => {
    redis = await RedisProcess.start()
    a = await redisHub({ url: redis.url, prefix: 'lag:' })
    b = await redisHub({ url: redis.url, prefix: 'lag:' })
    bridgeA = new SseBridge(registryA, a, a.replayStore(), noFail)
    bridgeB = new SseBridge(registryB, b, b.replayStore(), noFail)
    lag = delaySubscriber(b)
    member = open(registryB)
    member.c.join('news')
    // Broadcast until the member gets one (B's subscription is then in effect), then a marker
    // that passes every earlier message.
    await waitFor(() => {
      if (member.t.text === '') bridgeA.broadcast('news', 'e', 'warm')
      return member.t.text !== ''
    }, () => member.t.text)
    bridgeA.broadcast('news', 'e', 'ready')
    await waitFor(() => dataOf(member.t.text).includes('ready'), () => member.t.text)
  })

  after(async () => {
    bridgeA.detach()
    bridgeB.detach()
    registryA.closeAll()
    registryB.closeAll()
    await Promise.all([a.close(), b.close()])
    await redis.stop()
  })

  /** Broadcasts from A while B's subscriber holds them; resolves the events' stream ids. */
  async function broadcastHeld(...data: string[]): Promise<string[]> {
    lag.hold()
    for (const d of data) bridgeA.broadcast('news', 'e', d)
    await waitFor(() => lag.held.length === data.length, () => `held ${lag.held.length}`)
    const all = await b.replayStore().since('news', '')
    return all.slice(-data.length).map((e) => e.seq)
  }

  it('drops the live copies of replayed events that arrive after the replay', async () => {
    const [s1] = await broadcastHeld('a1', 'a2', 'a3')
    const back = open(registryB, s1)
    back.c.join('news')
    await waitFor(() => dataOf(back.t.text).includes('a3'), () => back.t.text)
    lag.release()
    await waitFor(() => dataOf(member.t.text).includes('a3'), () => member.t.text)
    bridgeA.broadcast('news', 'e', 'a4')
    await waitFor(() => dataOf(back.t.text).includes('a4') && dataOf(member.t.text).includes('a4'), () => back.t.text)
    assert.deepEqual(dataOf(back.t.text), ['a2', 'a3', 'a4'])
    assert.deepEqual(dataOf(member.t.text).slice(-4), ['a1', 'a2', 'a3', 'a4'])
    back.c.closeConnection()
  })

  it('drops the live copies that arrive while the replay is read, the last seen one included', async () => {
    const [s1] = await broadcastHeld('b1', 'b2', 'b3')
    const back = open(registryB, s1)
    back.c.join('news')
    lag.release() // the XRANGE is still on its way: the copies wait in the join queue
    await waitFor(() => dataOf(back.t.text).includes('b3'), () => back.t.text)
    bridgeA.broadcast('news', 'e', 'b4')
    await waitFor(() => dataOf(back.t.text).includes('b4') && dataOf(member.t.text).includes('b4'), () => back.t.text)
    assert.deepEqual(dataOf(back.t.text), ['b2', 'b3', 'b4'])
    assert.deepEqual(dataOf(member.t.text).slice(-4), ['b1', 'b2', 'b3', 'b4'])
    back.c.closeConnection()
  })

  it('drops a late copy of the very event the client saw last when nothing came after it', async () => {
    const [s1] = await broadcastHeld('c1')
    const back = open(registryB, s1)
    back.c.join('news')
    await new Promise((resolve) => setImmediate(resolve)) // the replay's XRANGE is sent
    await b.replayStore().latest('news') // after the replay's XRANGE on the same connection
    lag.release()
    bridgeA.broadcast('news', 'e', 'c2')
    await waitFor(() => dataOf(back.t.text).includes('c2') && dataOf(member.t.text).includes('c2'), () => back.t.text)
    assert.deepEqual(dataOf(back.t.text), ['c2'])
    assert.deepEqual(dataOf(member.t.text).slice(-2), ['c1', 'c2'])
    back.c.closeConnection()
  })
})

describe("SseBridge on a Redis hub started with onUnreachable: 'local'", () => {
  it('delivers, once each and in order, the events broadcast before Redis was reachable', async () => {
    const redis = await RedisProcess.start()
    const door = await gate(redis.port)
    const other = await redisHub({ url: redis.url, prefix: 'down:' })
    await other.replayStore().append('news', Buffer.from('event: e\ndata: old\n\n'))
    const hub = await redisHub({ url: door.url, prefix: 'down:', connectTimeoutMs: 200, onUnreachable: 'local', redisOptions: { retryStrategy: () => 50 } })
    hub.on('error', () => {})
    // This instance's SUBSCRIBE goes out only once the events are in the stream: what a slow
    // subscriber connection does when Redis comes back.
    const sub = hub.subscriber as unknown as { subscribe(...channels: string[]): Promise<unknown> }
    const subscribe = sub.subscribe.bind(sub)
    let published!: () => void
    const inStream = new Promise<void>((resolve) => (published = resolve))
    sub.subscribe = (...channels: string[]) => inStream.then(() => subscribe(...channels))
    const registry = new SseRegistry()
    const bridge = new SseBridge(registry, hub, hub.replayStore(), noFail)
    const client = open(registry)
    try {
      client.c.join('news')
      for (const d of ['one', 'two', 'three']) bridge.broadcast('news', 'e', d)
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.equal(client.t.text, '')
      door.open()
      const store = other.replayStore()
      for (let i = 0; i < 200 && (await store.since('news', '')).length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 10))
      published()
      await waitFor(() => dataOf(client.t.text).includes('three'), () => client.t.text)
      bridge.broadcast('news', 'e', 'four')
      await waitFor(() => dataOf(client.t.text).includes('four'), () => client.t.text)
      assert.deepEqual(dataOf(client.t.text), ['one', 'two', 'three', 'four'])
    } finally {
      bridge.detach()
      registry.closeAll()
      await Promise.all([hub.close(), other.close()])
      await door.close()
      await redis.stop()
    }
  })
})

describe('SseBridge on a Redis hub made from a client that is already connected', () => {
  it('counts the hub as connected and delivers live events without holding them', async () => {
    const redis = await RedisProcess.start()
    const Redis = await loadRedis()
    const client = new Redis(redis.url, {})
    await whenReady(client, 3000)
    const hub = await redisHub({ client, prefix: 'ready:' })
    const other = await redisHub({ url: redis.url, prefix: 'ready:' })
    const registry = new SseRegistry()
    const bridge = new SseBridge(registry, hub, hub.replayStore(), noFail)
    const otherBridge = new SseBridge(new SseRegistry(), other, other.replayStore(), noFail)
    try {
      assert.equal(hub.connected, true)
      const reader = open(registry)
      reader.c.join('news')
      await waitFor(() => {
        if (reader.t.text === '') otherBridge.broadcast('news', 'e', 'live')
        return reader.t.text !== ''
      }, () => 'nothing delivered')
    } finally {
      bridge.detach()
      otherBridge.detach()
      registry.closeAll()
      await Promise.all([hub.close(), other.close()])
      client.disconnect()
      await redis.stop()
    }
  })
})
