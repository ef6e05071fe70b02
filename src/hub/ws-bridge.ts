/**
 * WebSocket topics over a hub: `publish(topic, message)` frames once for this process's
 * subscribers and hands the payload to the hub for the other processes, whose bridges publish
 * it to their own subscribers. Topics are hub topics `ws:<topic>`, watched while this process
 * has a subscriber.
 * @module
 */
import { PorticoError } from '../errors.js'
import type { PublishOptions, TopicRegistry } from '../websocket/topics.js'
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

  constructor(
    private readonly topics: TopicRegistry,
    private readonly hub: Hub,
    private readonly fail: (message: string, error: unknown) => void,
  ) {
    if (topics.onTopicOpened !== undefined || topics.onTopicClosed !== undefined) {
      throw new PorticoError('PORTICO_ERR_HUB_ALREADY_ATTACHED', 'This topic registry is already bridged to a hub')
    }
    topics.onTopicOpened = (topic) => this.watch(topic)
    topics.onTopicClosed = (topic) => this.unwatch(topic)
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

  /** Removes the registry's hooks and leaves every topic. */
  detach(): void {
    this.topics.onTopicOpened = undefined
    this.topics.onTopicClosed = undefined
    for (const off of this.unsubscribers.values()) off()
    this.unsubscribers.clear()
  }

  /** Stops relaying a topic that has no subscriber left in this process. */
  private unwatch(topic: string): void {
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
