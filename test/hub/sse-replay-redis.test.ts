import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { redisHub, type RedisHub } from '../../src/hub/redis-hub.js'
import { redisReplayStore, type RedisReplayStore } from '../../src/hub/redis-replay-store.js'
import { SseBridge } from '../../src/hub/sse-bridge.js'
import { SseRegistry } from '../../src/sse/sse-registry.js'
import { RedisProcess } from '../fixtures/redis.js'
import { open } from '../sse/fake-transport.js'
import { dataOf, delaySubscriber, gateSubscribe, waitFor } from './helpers.js'

const noFail = (message: string, error: unknown): void => assert.fail(`${message}: ${String(error)}`)
const event = (data: string): Buffer => Buffer.from(`event: e\ndata: ${data}\n\n`)

describe('SSE replay on Redis: races between the replay read and live events', () => {
  let redis: RedisProcess
  const hubs: RedisHub[] = []
  const cleanups: Array<() => void> = []

  before(async () => {
    redis = await RedisProcess.start()
  })

  after(async () => {
    for (const c of cleanups) c()
    await Promise.all(hubs.map((h) => h.close()))
    await redis.stop()
  })

  async function hub(prefix: string): Promise<RedisHub> {
    const h = await redisHub({ url: redis.url, prefix })
    h.on('error', () => {})
    hubs.push(h)
    return h
  }

  /** A bridge on its own registry; detached and closed after the suite. */
  function bridge(h: RedisHub, store: RedisReplayStore): { registry: SseRegistry; bridge: SseBridge } {
    const registry = new SseRegistry()
    const b = new SseBridge(registry, h, store, noFail)
    cleanups.push(() => {
      b.detach()
      registry.closeAll()
    })
    return { registry, bridge: b }
  }

  for (const kind of ['hub', 'plain'] as const) {
    it(`reads a first member's replay only once its SUBSCRIBE is confirmed (${kind} store)`, async () => {
      const prefix = `join-${kind}:`
      const a = await hub(prefix)
      const b = await hub(prefix)
      const storeOf = (h: RedisHub): RedisReplayStore => (kind === 'hub' ? h.replayStore() : redisReplayStore(h.client, { prefix }))
      const storeA = storeOf(a)
      // What instance A's bridge does on broadcast, awaited: the event is in the stream and
      // published once this resolves.
      const publishFromA = async (data: string): Promise<void> => {
        if (kind === 'hub') await storeA.appendAndPublish('news', event(data), undefined, 'sse:news')
        else {
          const stored = await storeA.append('news', event(data))
          await a.publish('sse:news', stored.bytes, { id: stored.seq })
        }
      }
      const old1 = await storeA.append('news', event('old1'))
      await storeA.append('news', event('old2'))
      const slow = gateSubscribe(b, 'sse:news')
      const { registry } = bridge(b, storeOf(b))
      const back = open(registry, old1.id)
      back.c.join('news') // the channel's first member here: B sends SUBSCRIBE (held)
      assert.equal(slow.sent.length, 1)
      await new Promise((resolve) => setImmediate(resolve))
      await storeOf(b).latest('news') // a replay read sent at join has been answered by now
      await publishFromA('mid') // B is not subscribed yet: only a read made from now on has it
      slow.open()
      await Promise.all(slow.sent)
      await publishFromA('late')
      await waitFor(() => dataOf(back.t.text).includes('late'), () => back.t.text)
      assert.deepEqual(dataOf(back.t.text), ['old2', 'mid', 'late'])
    })
  }

  it('never replays twice an event another publisher published late (plain store, several publishers)', async () => {
    const prefix = 'order:'
    const [a, b, c] = [await hub(prefix), await hub(prefix), await hub(prefix)]
    const plain = (h: RedisHub): RedisReplayStore => redisReplayStore(h.client, { prefix })
    const { bridge: bridgeA } = bridge(a, plain(a))
    const { registry: registryB } = bridge(b, plain(b))
    const { bridge: bridgeC } = bridge(c, plain(c))
    const watcher = open(registryB)
    watcher.c.join('news')
    await waitFor(() => {
      if (watcher.t.text === '') bridgeC.broadcast('news', 'e', 'warm')
      return watcher.t.text !== ''
    }, () => watcher.t.text)
    bridgeC.broadcast('news', 'e', 'c0')
    await waitFor(() => dataOf(watcher.t.text).includes('c0'), () => watcher.t.text)
    const seen = (await plain(b).since('news', '')).at(-1)!.seq
    // A appends x1, then its PUBLISH is held (a slow process) while C appends and publishes y1.
    const client = a.client as unknown as { publish(...args: unknown[]): Promise<number> }
    const publish = client.publish.bind(client)
    let release: (() => Promise<number>) | undefined
    client.publish = (...args: unknown[]) => {
      client.publish = publish
      return new Promise((resolve) => {
        release = () => {
          const done = publish(...args)
          resolve(done)
          return done
        }
      })
    }
    bridgeA.broadcast('news', 'e', 'x1')
    await waitFor(() => release !== undefined, () => 'x1 not published')
    bridgeC.broadcast('news', 'e', 'y1')
    await waitFor(() => dataOf(watcher.t.text).includes('y1'), () => watcher.t.text)
    // A client that saw c0 reconnects to B: the stream holds x1 then y1.
    const back = open(registryB, seen)
    back.c.join('news')
    await waitFor(() => dataOf(back.t.text).includes('y1'), () => back.t.text)
    bridgeC.broadcast('news', 'e', 'z1') // newer than anything replayed
    await waitFor(() => dataOf(back.t.text).includes('z1'), () => back.t.text)
    await release!() // x1's live copy reaches B only now
    bridgeC.broadcast('news', 'e', 'end')
    await waitFor(() => dataOf(back.t.text).includes('end') && dataOf(watcher.t.text).includes('end'), () => back.t.text)
    assert.deepEqual(dataOf(back.t.text), ['x1', 'y1', 'z1', 'end'])
    // Live, each instance delivers once each, in the order the PUBLISHes reached Redis.
    assert.deepEqual(dataOf(watcher.t.text).slice(-5), ['c0', 'y1', 'z1', 'x1', 'end'])
  })

  it('drops a late live copy of the event the client saw last (plain store, lagging subscriber)', async () => {
    const prefix = 'lagplain:'
    const [a, b] = [await hub(prefix), await hub(prefix)]
    const plain = (h: RedisHub): RedisReplayStore => redisReplayStore(h.client, { prefix })
    const { bridge: bridgeA } = bridge(a, plain(a))
    const { registry: registryB } = bridge(b, plain(b))
    const lag = delaySubscriber(b)
    const watcher = open(registryB)
    watcher.c.join('news')
    await waitFor(() => {
      if (watcher.t.text === '') bridgeA.broadcast('news', 'e', 'warm')
      return watcher.t.text !== ''
    }, () => watcher.t.text)
    lag.hold()
    bridgeA.broadcast('news', 'e', 'p1')
    await waitFor(() => lag.held.length === 1, () => `held ${lag.held.length}`)
    // The client saw p1 on another instance and reconnects to B, whose subscriber lags behind.
    const p1 = (await plain(b).since('news', '')).at(-1)!.seq
    const back = open(registryB, p1)
    back.c.join('news')
    await new Promise((resolve) => setImmediate(resolve))
    await plain(b).latest('news') // after the replay's read: nothing after p1
    lag.release()
    bridgeA.broadcast('news', 'e', 'p2')
    await waitFor(() => dataOf(back.t.text).includes('p2') && dataOf(watcher.t.text).includes('p2'), () => back.t.text)
    assert.deepEqual(dataOf(back.t.text), ['p2'])
    assert.deepEqual(dataOf(watcher.t.text).slice(-2), ['p1', 'p2'])
  })
})
