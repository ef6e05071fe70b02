import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { BaseHub } from '../../src/hub/hub.js'
import { attachHub } from '../../src/hub/attach.js'
import { memoryHub } from '../../src/hub/memory-hub.js'
import { createServer } from '../../src/server/server.js'
import { SseBridge } from '../../src/hub/sse-bridge.js'
import { memoryReplayStore } from '../../src/hub/replay-store.js'
import { WebSocketBridge } from '../../src/hub/ws-bridge.js'
import { SseRegistry } from '../../src/sse/sse-registry.js'
import { TopicRegistry } from '../../src/websocket/topics.js'
import type { WebSocket } from '../../src/websocket/websocket.js'
import { isPorticoError } from '../../src/errors.js'
import { open } from '../sse/fake-transport.js'

/** One end of an in-memory link: what it publishes reaches the other end as from another process. */
class LinkedHub extends BaseHub {
  readonly kind = 'linked'
  peer: LinkedHub | undefined

  protected async transmit(topic: string, frame: Buffer): Promise<boolean> {
    this.peer?.receive(topic, frame)
    return true
  }

  static pair(): [LinkedHub, LinkedHub] {
    const a = new LinkedHub()
    const b = new LinkedHub()
    a.peer = b
    b.peer = a
    return [a, b]
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const noFail = (message: string, error: unknown): void => assert.fail(`${message}: ${String(error)}`)


/** A stand-in for a WebSocket as far as the topic registry is concerned. */
const fakeSocket = (): WebSocket => ({ subscriptions: new Set<string>() }) as unknown as WebSocket

describe('SseBridge on the registry hooks', () => {
  it('watches a channel topic while the process has members, and removes its hooks on detach', async () => {
    const [hub] = LinkedHub.pair()
    const registry = new SseRegistry()
    const bridge = new SseBridge(registry, hub, undefined, noFail)
    const a = open(registry)
    a.c.join('news')
    assert.ok(hub.topics().includes('sse:news'))
    a.c.leave('news')
    assert.ok(!hub.topics().includes('sse:news'))
    bridge.detach()
    assert.equal(registry.onChannelOpened, undefined)
    assert.equal(registry.onMemberJoined, undefined)
    a.c.join('news')
    assert.deepEqual(hub.topics(), [])
    registry.closeAll()
    await hub.close()
  })

  it('watches the channels that already had members when it was attached', async () => {
    const [hub] = LinkedHub.pair()
    const registry = new SseRegistry()
    const a = open(registry)
    a.c.join('early')
    const bridge = new SseBridge(registry, hub, undefined, noFail)
    assert.ok(hub.topics().includes('sse:early'))
    bridge.detach()
    registry.closeAll()
    await hub.close()
  })

  it('refuses a second bridge on the same registry with PORTICO_ERR_HUB_ALREADY_ATTACHED', async () => {
    const [hub] = LinkedHub.pair()
    const registry = new SseRegistry()
    const bridge = new SseBridge(registry, hub, undefined, noFail)
    assert.throws(() => new SseBridge(registry, hub, undefined, noFail), (e) => isPorticoError(e, 'PORTICO_ERR_HUB_ALREADY_ATTACHED'))
    bridge.detach()
    await hub.close()
  })

  it('puts an event broadcast by another process into the local replay buffer', async () => {
    const [hubA, hubB] = LinkedHub.pair()
    const registryA = new SseRegistry()
    const registryB = new SseRegistry()
    registryB.configureChannel('news', { replay: { maxEvents: 10 } })
    const bridgeA = new SseBridge(registryA, hubA, undefined, noFail)
    const bridgeB = new SseBridge(registryB, hubB, undefined, noFail)
    const watcher = open(registryB)
    watcher.c.join('news')
    assert.equal(bridgeA.broadcast('news', 'headline', 'one', '1'), 0)
    bridgeA.broadcast('news', 'headline', 'two', '2')
    await tick()
    assert.equal(watcher.t.text, 'event: headline\nid: 1\ndata: one\n\nevent: headline\nid: 2\ndata: two\n\n')
    const back = open(registryB, '1')
    back.c.join('news')
    await tick()
    assert.equal(back.t.text, 'event: headline\nid: 2\ndata: two\n\n')
    bridgeA.detach()
    bridgeB.detach()
    registryB.closeAll()
    await hubA.close()
    await hubB.close()
  })

  it('keeps delivering within the process when the hub was closed without detach', async () => {
    const setups = [
      { hub: memoryHub() as BaseHub, replay: undefined },
      { hub: LinkedHub.pair()[0] as BaseHub, replay: undefined },
      { hub: memoryHub() as BaseHub, replay: memoryReplayStore() },
    ]
    for (const { hub, replay } of setups) {
      const registry = new SseRegistry()
      const failures: string[] = []
      const bridge = new SseBridge(registry, hub, replay, (message) => failures.push(message))
      await hub.close()
      const a = open(registry)
      assert.doesNotThrow(() => a.c.join('news'))
      assert.equal(bridge.broadcast('news', 'headline', 'still here'), 1)
      await tick()
      assert.match(a.t.text, /data: still here\n\n$/, hub.kind)
      const back = open(registry, replay === undefined ? undefined : '1')
      back.c.join('news')
      await tick()
      assert.equal(back.t.text, '', hub.kind)
      assert.deepEqual(failures, [], hub.kind)
      bridge.detach()
      registry.closeAll()
    }
  })

  it('delivers a broadcast to every connection of the other process exactly once', async () => {
    const [hubA, hubB] = LinkedHub.pair()
    const registryA = new SseRegistry()
    const registryB = new SseRegistry()
    const bridgeA = new SseBridge(registryA, hubA, undefined, noFail)
    const bridgeB = new SseBridge(registryB, hubB, undefined, noFail)
    const here = open(registryA)
    const there = open(registryB)
    assert.equal(bridgeA.broadcast(undefined, '', 'all'), 1)
    await tick()
    assert.equal(here.t.text, 'data: all\n\n')
    assert.equal(there.t.text, 'data: all\n\n')
    bridgeA.detach()
    bridgeB.detach()
    registryA.closeAll()
    registryB.closeAll()
    await hubA.close()
    await hubB.close()
  })
})

describe('WebSocketBridge on the topic hooks', () => {
  it('watches a topic from its first subscriber to its last, and removes its hooks on detach', async () => {
    const [hub] = LinkedHub.pair()
    const topics = new TopicRegistry()
    const bridge = new WebSocketBridge(topics, hub, noFail)
    const x = fakeSocket()
    const y = fakeSocket()
    topics.subscribe('chat', x)
    topics.subscribe('chat', y)
    assert.deepEqual(hub.topics(), ['ws:chat'])
    topics.unsubscribe('chat', x)
    assert.deepEqual(hub.topics(), ['ws:chat'])
    topics.unsubscribeAll(y)
    assert.deepEqual(hub.topics(), [])
    bridge.detach()
    assert.equal(topics.onTopicOpened, undefined)
    assert.equal(topics.onTopicClosed, undefined)
    topics.subscribe('chat', x)
    assert.deepEqual(hub.topics(), [])
    await hub.close()
  })

  it('refuses a second bridge on the same registry with PORTICO_ERR_HUB_ALREADY_ATTACHED', async () => {
    const [hub] = LinkedHub.pair()
    const topics = new TopicRegistry()
    const bridge = new WebSocketBridge(topics, hub, noFail)
    assert.throws(() => new WebSocketBridge(topics, hub, noFail), (e) => isPorticoError(e, 'PORTICO_ERR_HUB_ALREADY_ATTACHED'))
    bridge.detach()
    await hub.close()
  })
})

describe('attachHub twice', () => {
  it('throws PORTICO_ERR_HUB_ALREADY_ATTACHED and leaves the first attachment working', async () => {
    const server = createServer()
    const first = attachHub(server, memoryHub())
    const second = memoryHub()
    assert.throws(() => attachHub(server, second), (e) => isPorticoError(e, 'PORTICO_ERR_HUB_ALREADY_ATTACHED'))
    assert.equal(second.listenerCount('error'), 0)
    first.detach()
    const again = attachHub(server, second)
    again.detach()
    await first.hub.close()
    await second.close()
  })
})
