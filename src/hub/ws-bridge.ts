/**
 * WebSocket topics over a hub: `publish(topic, message)` frames once for this process's
 * subscribers and hands the payload to the hub for the other processes, whose bridges publish
 * it to their own subscribers. Topics are hub topics `ws:<topic>`, watched while this process
 * has a subscriber.
 * @module
 */
import type { PublishOptions, TopicRegistry } from '../websocket/topics.js'
import type { WebSocket } from '../websocket/websocket.js'
import { toBuffer, type WebSocketData } from '../websocket/websocket-options.js'
import type { Hub, HubMessage } from './hub.js'

const topicOf = (topic: string): string => 'ws:' + topic

/**
 * Connects one server's topic registry to a hub. Made by `attachHub`.
 *
 * @example
 * ```ts
 * const bridge = new WebSocketBridge(server.topics, hub, (m, e) => server.emitError(m, e))
 * bridge.publish('chat', 'hello everyone')
 * ```
 */
export class WebSocketBridge {
  private readonly unsubscribers = new Map<string, () => void>()
  private readonly originalSubscribe: TopicRegistry['subscribe']
  private readonly originalUnsubscribe: TopicRegistry['unsubscribe']

  constructor(
    private readonly topics: TopicRegistry,
    private readonly hub: Hub,
    private readonly fail: (message: string, error: unknown) => void,
  ) {
    this.originalSubscribe = topics.subscribe
    this.originalUnsubscribe = topics.unsubscribe
    // The registry has no subscribe hook; its instance methods are wrapped (restored by detach).
    topics.subscribe = (topic, ws) => this.subscribed(topic, ws)
    topics.unsubscribe = (topic, ws) => this.unsubscribed(topic, ws)
    for (const topic of topics.topicNames()) this.watch(topic)
  }

  /** Publishes to this process's subscribers (returns how many) and to every other process. */
  publish(topic: string, message: WebSocketData, options: PublishOptions = {}): number {
    const count = this.topics.publish(topic, message, options)
    const binary = options.binary ?? typeof message !== 'string'
    const payload = typeof message === 'string' && !binary ? message : toBuffer(message)
    this.hub.publish(topicOf(topic), payload).catch((e: unknown) => this.fail('hub publish failed', e))
    return count
  }

  /** Restores the registry and leaves every topic. */
  detach(): void {
    delete (this.topics as Partial<TopicRegistry>).subscribe
    delete (this.topics as Partial<TopicRegistry>).unsubscribe
    for (const off of this.unsubscribers.values()) off()
    this.unsubscribers.clear()
  }

  private subscribed(topic: string, ws: WebSocket): void {
    this.originalSubscribe.call(this.topics, topic, ws)
    this.watch(topic)
  }

  private unsubscribed(topic: string, ws: WebSocket): void {
    this.originalUnsubscribe.call(this.topics, topic, ws)
    if (this.topics.subscriberCount(topic) > 0) return
    this.unsubscribers.get(topic)?.()
    this.unsubscribers.delete(topic)
  }

  private watch(topic: string): void {
    if (this.unsubscribers.has(topic)) return
    this.unsubscribers.set(topic, this.hub.subscribe(topicOf(topic), (m) => this.fromHub(topic, m)))
  }

  private fromHub(topic: string, message: HubMessage): void {
    if (message.origin === this.hub.origin) return
    this.topics.publish(topic, message.payload, { binary: message.binary })
  }
}
