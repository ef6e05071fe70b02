/**
 * The hub across machines: Redis pub/sub through `ioredis` (an optional peer dependency). One
 * publisher and one subscriber connection per hub (create one hub per process); topics are
 * Redis channels under a prefix (`portico:` by default). ioredis reconnects by itself and
 * re-subscribes every channel after a Redis restart; commands issued while it is away wait in
 * its offline queue. Plain pub/sub is at-most-once: a message published while a subscriber is
 * disconnected never reaches it (the replay store fills that gap for SSE).
 * @module
 */
import { PorticoError } from '../errors.js'
import { BaseHub } from './hub.js'
import { loadRedis, whenReady, type RedisClientLike } from './redis-client.js'
import { RedisReplayStore, type RedisReplayOptions } from './redis-replay-store.js'

/** Options of {@link redisHub}. */
export interface RedisHubOptions {
  /** `redis://[:password@]host:port[/db]` (default `redis://127.0.0.1:6379`). Ignored with `client`. */
  url?: string
  /** An ioredis client to publish with; the hub duplicates it to subscribe and never closes it. */
  client?: RedisClientLike
  /** Prefix of every Redis channel and key the hub uses. Default `'portico:'`. */
  prefix?: string
  /** How long to wait for Redis at start. Default 3000 ms. */
  connectTimeoutMs?: number
  /**
   * When Redis cannot be reached at start: `'throw'` (default) rejects with
   * `PORTICO_ERR_HUB_UNREACHABLE`; `'local'` resolves a hub that delivers within this process,
   * reports an `error` event, and joins the others once Redis answers.
   */
  onUnreachable?: 'throw' | 'local'
  /** Extra ioredis options for the connections the hub creates (`tls`, `password`, …). */
  redisOptions?: Record<string, unknown>
}

/**
 * A hub over Redis pub/sub: one subscriber connection per process, channels under a prefix.
 * Usually made with {@link redisHub}.
 *
 * @example
 * ```ts
 * const hub = await redisHub({ url: 'redis://127.0.0.1:6379', prefix: 'app:' })
 * attachHub(server, hub, { replay: hub.replayStore() })
 * ```
 */
export class RedisHub extends BaseHub {
  readonly kind = 'redis'
  /** The prefix of channels and keys. */
  readonly prefix: string
  /** @internal the publishing connection (also used by the Redis replay store) */
  readonly client: RedisClientLike
  /** @internal the subscribing connection */
  readonly subscriber: RedisClientLike
  private readonly ownsClient: boolean
  private healthy = { client: false, subscriber: false }
  private reported = false
  /** Per topic, the SUBSCRIBE sent for its first listener until Redis answers it. */
  private readonly subscribing = new Map<string, Promise<void>>()
  /** The re-subscription after a reconnection, until Redis answers it. */
  private confirming: Promise<void> | undefined
  /** @internal true until `redisHub()` has decided between connected, local or failed */
  starting = true

  /** @internal use {@link redisHub} */
  constructor(client: RedisClientLike, ownsClient: boolean, prefix: string) {
    super()
    this.client = client
    this.ownsClient = ownsClient
    this.prefix = prefix
    // The hub resubscribes itself on 'ready' (confirmSubscriptions): ioredis's own resubscribe
    // leaves a promise nobody handles, an unhandled rejection when the connection closes then.
    this.subscriber = client.duplicate({ autoResubscribe: false })
    // A caller's client may be ready already: it will not emit 'ready' again.
    this.healthy.client = client.status === 'ready'
    this.watch(client, 'client')
    this.watch(this.subscriber, 'subscriber')
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const name = channel.toString('utf8')
      if (name.startsWith(prefix)) this.receive(name.slice(prefix.length), message)
    })
  }

  /** Whether both connections are ready now. */
  get connected(): boolean {
    return this.healthy.client && this.healthy.subscriber
  }

  /**
   * A Redis Streams replay store on this hub's connection: SSE events are appended and published
   * in one script, so every instance sees a channel in the same order.
   *
   * @example
   * ```ts
   * attachHub(server, hub, { replay: hub.replayStore({ maxLen: 1000 }) })
   * ```
   */
  replayStore(options: RedisReplayOptions = {}): RedisReplayStore {
    return new RedisReplayStore(this.client, this, options)
  }

  /** @internal the Redis channel of a topic */
  channel(topic: string): string {
    return this.prefix + topic
  }

  protected transmit(topic: string, frame: Buffer): Promise<boolean> {
    return this.client.publish(this.channel(topic), frame).then(
      () => true,
      (error: unknown) => {
        this.report(new PorticoError('PORTICO_ERR_HUB_PUBLISH_FAILED', `Redis PUBLISH on ${topic} failed`, { cause: error }))
        return false
      },
    )
  }

  /**
   * Resolves once Redis has answered the SUBSCRIBE in flight for `topic` (the one sent for its
   * first listener, or the re-subscription after a reconnection): from then on every message
   * published on it reaches this process. At once when none is in flight. A SUBSCRIBE sent while
   * Redis is unreachable waits in ioredis's offline queue, and this with it; once connected
   * again, the hub emits `connected` only after the re-subscriptions are confirmed.
   *
   * @example
   * ```ts
   * hub.subscribe('news', onMessage)
   * await hub.whenSubscribed('news')
   * const missed = await store.since('news', lastEventId) // nothing can fall between the two
   * ```
   */
  override async whenSubscribed(topic: string): Promise<void> {
    await Promise.all([this.subscribing.get(topic), this.confirming])
  }

  protected override firstSubscriber(topic: string): void {
    const answered: Promise<void> = this.subscriber.subscribe(this.channel(topic)).then(
      () => {},
      (error: unknown) => this.report(new PorticoError('PORTICO_ERR_HUB_PUBLISH_FAILED', `Redis SUBSCRIBE ${topic} failed`, { cause: error })),
    )
    this.subscribing.set(topic, answered)
    void answered.then(() => {
      if (this.subscribing.get(topic) === answered) this.subscribing.delete(topic)
    })
  }

  protected override lastSubscriberGone(topic: string): void {
    this.subscribing.delete(topic)
    this.subscriber.unsubscribe(this.channel(topic)).catch(() => {})
  }

  protected override async shutdown(): Promise<void> {
    await Promise.all([close(this.subscriber), this.ownsClient ? close(this.client) : undefined])
  }

  /** @internal a connection error: reported once per outage, not once per retry */
  reportOutage(error: unknown): void {
    if (this.reported || this.closed || this.starting) return
    this.reported = true
    this.report(new PorticoError('PORTICO_ERR_HUB_UNREACHABLE', 'Lost the connection to Redis; reconnecting', { cause: error }))
  }

  private confirmSubscriptions(): Promise<void> {
    const channels = this.topics().map((t) => this.channel(t))
    if (channels.length === 0) return Promise.resolve()
    const confirming: Promise<void> = this.subscriber.subscribe(...channels).then(
      () => {},
      () => {}, // The next 'ready' tries again.
    )
    this.confirming = confirming
    return confirming.then(() => {
      if (this.confirming === confirming) this.confirming = undefined
    })
  }

  private watch(conn: RedisClientLike, role: 'client' | 'subscriber'): void {
    conn.on('error', (error: unknown) => this.reportOutage(error))
    conn.on('ready', () => {
      const was = this.connected
      this.healthy[role] = true
      if (!was && this.connected) {
        this.reported = false
        // 'connected' once the re-subscriptions ioredis sent are confirmed, so a listener that
        // reads what was missed (the replay store) cannot race a message still unsubscribed.
        void this.confirmSubscriptions().then(() => {
          if (this.connected && !this.closed) this.emit('connected')
        })
      }
    })
    conn.on('close', () => {
      const was = this.connected
      this.healthy[role] = false
      if (was && !this.closed) this.emit('disconnected')
    })
  }
}

async function close(conn: RedisClientLike): Promise<void> {
  if (conn.status === 'ready') {
    try {
      await conn.quit()
      return
    } catch {
      // Falls through to a hard disconnect.
    }
  }
  conn.disconnect()
}

/**
 * Connects a hub to Redis. Rejects with `PORTICO_ERR_HUB_DEPENDENCY_MISSING` when ioredis is
 * not installed, and with `PORTICO_ERR_HUB_UNREACHABLE` when Redis does not answer within
 * `connectTimeoutMs` (unless `onUnreachable: 'local'`).
 *
 * @example
 * ```ts
 * const hub = await redisHub({ url: 'redis://10.0.0.5:6379', prefix: 'chat:' })
 * hub.on('error', (err) => console.error(err))
 * attachHub(server, hub, { replay: hub.replayStore({ maxLen: 1000 }) })
 * ```
 */
export async function redisHub(options: RedisHubOptions = {}): Promise<RedisHub> {
  const prefix = options.prefix ?? 'portico:'
  let client = options.client
  if (client === undefined) {
    const Redis = await loadRedis()
    client = new Redis(options.url ?? 'redis://127.0.0.1:6379', { lazyConnect: true, ...options.redisOptions })
  }
  const hub = new RedisHub(client, options.client === undefined, prefix)
  const timeout = options.connectTimeoutMs ?? 3000
  try {
    await Promise.all([whenReady(hub.client, timeout), whenReady(hub.subscriber, timeout)])
  } catch (error) {
    if (options.onUnreachable === 'local') {
      // Reported on the next turn, once the caller has had the chance to listen for `error`.
      setImmediate(() => {
        hub.starting = false
        hub.reportOutage(error)
      })
      return hub
    }
    await hub.close()
    throw new PorticoError('PORTICO_ERR_HUB_UNREACHABLE', `Redis did not answer within ${timeout} ms`, { cause: error })
  }
  hub.starting = false
  return hub
}
