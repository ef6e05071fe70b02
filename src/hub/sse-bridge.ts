/**
 * SSE over a hub: `broadcast(channel, …)` encodes the event once, stores it in the replay store
 * (when there is one) and reaches the channel's members in every process. A client that
 * reconnects with `Last-Event-ID` to any instance receives what it missed from the store; after
 * a Redis outage each instance reads the events it missed from the store (sequenced stores).
 * Channels are hub topics `sse:<channel>`; a broadcast to every connection is topic `sse*`.
 * @module
 */
import { isPorticoError, PorticoError } from '../errors.js'
import { encodeEvent, validateEventId } from '../sse/event-encoder.js'
import type { SSEConnection } from '../sse/sse-connection.js'
import type { SseRegistry } from '../sse/sse-registry.js'
import type { Hub, HubMessage } from './hub.js'
import { compareSeq, type ReplayStore, type StoredEvent } from './replay-store.js'

/** A store that appends and publishes in one step, in the order every instance receives. */
interface SequencedStore extends ReplayStore {
  readonly publishes: boolean
  appendAndPublish(channel: string, body: Uint8Array, eventId: string | undefined, topic: string): Promise<string>
}

interface Queued {
  readonly bytes: Uint8Array
  readonly seq: string | undefined
  readonly local: boolean
}

const ALL = 'sse*'
const STREAM_ID = /^\d+-\d+$/
const topicOf = (channel: string): string => 'sse:' + channel

function isSequenced(store: ReplayStore | undefined): store is SequencedStore {
  return store !== undefined && store.shared && (store as Partial<SequencedStore>).publishes === true
}

/**
 * Connects one server's SSE registry to a hub. Made by `attachHub`.
 *
 * @example
 * ```ts
 * const bridge = new SseBridge(sseState(server).registry, hub, store, (m, e) => server.emitError(m, e))
 * bridge.broadcast('news', 'headline', 'Portico ships')
 * ```
 */
export class SseBridge {
  /** The watched channels (the `sse*` topic is `offAll`, so a channel may be named `sse*`). */
  private readonly unsubscribers = new Map<string, () => void>()
  private offAll: (() => void) | undefined
  private readonly lastSeq = new Map<string, string>()
  /** Channels whose start position (`lastSeq`) is still being read from the store. */
  private readonly starting = new Map<string, Promise<void>>()
  private readonly filling = new Map<string, Queued[]>()
  private readonly joining = new Map<SSEConnection, Map<string, Queued[]>>()
  /** Per connection and channel, the newest sequence its replay covered (shared stores). */
  private readonly replayed = new Map<SSEConnection, Map<string, string>>()
  private readonly sequenced: boolean
  private readonly refilling = new Set<string>()
  private readonly onConnected = (): void => this.fillGaps()
  private readonly onDisconnected = (): void => this.holdLive()

  constructor(
    private readonly registry: SseRegistry,
    private readonly hub: Hub,
    private readonly store: ReplayStore | undefined,
    private readonly fail: (message: string, error: unknown) => void,
  ) {
    if (registry.onChannelOpened !== undefined || registry.onMemberJoined !== undefined) {
      throw new PorticoError('PORTICO_ERR_HUB_ALREADY_ATTACHED', 'This SSE registry is already bridged to a hub')
    }
    this.sequenced = isSequenced(store)
    registry.onChannelOpened = (channel) => this.watch(channel)
    registry.onChannelClosed = (channel) => this.unwatch(channel)
    registry.onMemberJoined = (conn, channel) => this.joined(conn, channel)
    registry.onMemberLeft = (conn, channel) => this.left(conn, channel)
    this.offAll = hub.subscribe(ALL, (m) => this.fromHub(undefined, m))
    for (const channel of registry.channelNames()) this.watch(channel)
    hub.on('connected', this.onConnected)
    hub.on('disconnected', this.onDisconnected)
  }

  /**
   * Broadcasts to `channel` (every connection when undefined) in every process. Returns how many
   * local connections it is for; delivery happens once the store answers (at once without one).
   */
  broadcast(channel: string | undefined, event: string, data: unknown, eventId?: string): number {
    const id = eventId === undefined || eventId === '' ? undefined : eventId
    const local = channel === undefined ? this.registry.size : this.registry.channelMembers(channel).length
    if (channel === undefined || this.store === undefined) {
      // Encoded once: the same bytes go to the local members (and the channel's replay buffer)
      // and to the other processes, which record them in their own buffers.
      const bytes = encodeEvent({ event, data, id })
      const count = this.registry.broadcastEncoded(channel, bytes, id)
      if (this.hub.kind !== 'memory') {
        this.hub.publish(channel === undefined ? ALL : topicOf(channel), bytes, { id }).catch((e: unknown) => this.publishFailed(e))
      }
      return count
    }
    if (id !== undefined) validateEventId(id)
    const body = encodeEvent({ event, data })
    const store = this.store
    if (isSequenced(store)) {
      store.appendAndPublish(channel, body, id, topicOf(channel)).catch((e: unknown) => {
        this.fail(`SSE replay store failed; event sent to this instance only`, e)
        this.deliver(channel, encodeEvent({ event, data, id }), undefined, true)
      })
      return local
    }
    store.append(channel, body, id).then(
      (stored: StoredEvent) => {
        this.deliver(channel, stored.bytes, stored.seq, true)
        return this.hub.publish(topicOf(channel), stored.bytes, { id: stored.seq })
      },
      (e: unknown) => {
        this.fail('SSE replay store failed; event sent to this instance only', e)
        this.deliver(channel, encodeEvent({ event, data, id }), undefined, true)
      },
    ).catch((e: unknown) => this.publishFailed(e))
    return local
  }

  /** Removes the registry's hooks and leaves every topic. */
  detach(): void {
    this.registry.onChannelOpened = undefined
    this.registry.onChannelClosed = undefined
    this.registry.onMemberJoined = undefined
    this.registry.onMemberLeft = undefined
    for (const off of this.unsubscribers.values()) off()
    this.unsubscribers.clear()
    this.offAll?.()
    this.offAll = undefined
    this.hub.off('connected', this.onConnected)
    this.hub.off('disconnected', this.onDisconnected)
  }

  private joined(conn: SSEConnection, channel: string): void {
    if (this.store !== undefined && conn.lastEventId !== '') this.replay(conn, channel, this.store)
  }

  /**
   * Subscribes to a channel's topic while this process has members. A closed hub (closed
   * without `detach()`) leaves the channel to local delivery.
   */
  private watch(channel: string): void {
    if (this.unsubscribers.has(channel)) return
    let off: () => void
    try {
      off = this.hub.subscribe(topicOf(channel), (m) => this.fromHub(channel, m))
    } catch (error) {
      if (isPorticoError(error, 'PORTICO_ERR_HUB_CLOSED')) return
      throw error
    }
    this.unsubscribers.set(channel, off)
    if (!this.sequenced || this.store === undefined) return
    // Not connected (an outage, or a hub started with onUnreachable: 'local'): the events
    // published before this process's subscription takes effect are read from the store once
    // the hub is connected, as after an outage.
    if (this.hub.connected === false && !this.filling.has(channel)) this.filling.set(channel, [])
    this.startFrom(channel, this.store)
  }

  private left(conn: SSEConnection, channel: string): void {
    const pending = this.joining.get(conn)
    if (pending?.delete(channel) === true && pending.size === 0) this.joining.delete(conn)
    const marks = this.replayed.get(conn)
    if (marks?.delete(channel) === true && marks.size === 0) this.replayed.delete(conn)
  }

  /** Stops relaying a channel that has no member left in this process. */
  private unwatch(channel: string): void {
    this.unsubscribers.get(channel)?.()
    this.unsubscribers.delete(channel)
    this.lastSeq.delete(channel)
    this.starting.delete(channel)
    this.filling.delete(channel)
  }

  /**
   * Where a newly watched channel starts, so a gap before its first event can be filled. While
   * Redis is away the read waits in ioredis's offline queue, ahead of this process's broadcasts.
   */
  private startFrom(channel: string, store: ReplayStore): void {
    const started: Promise<void> = store
      .latest(channel)
      .then(
        (last) => {
          if (!this.lastSeq.has(channel) && this.unsubscribers.has(channel)) this.lastSeq.set(channel, last ?? '0-0')
        },
        () => {},
      )
      .then(() => {
        if (this.starting.get(channel) === started) this.starting.delete(channel)
      })
    this.starting.set(channel, started)
  }

  private publishFailed(error: unknown): void {
    // A hub closed without detach(): the server goes on delivering within this process.
    if (!isPorticoError(error, 'PORTICO_ERR_HUB_CLOSED')) this.fail('hub publish failed', error)
  }

  private fromHub(channel: string | undefined, message: HubMessage): void {
    if (message.origin === this.hub.origin) return
    if (channel !== undefined && this.sequenced && message.id !== undefined) {
      const queue = this.filling.get(channel)
      if (queue !== undefined) {
        queue.push({ bytes: message.payload, seq: message.id, local: false })
        return
      }
      if (!this.advance(channel, message.id)) return
    }
    this.deliver(channel, message.payload, message.id, false)
  }

  /** Records `seq` as the channel's latest; false when it is not newer (already delivered). */
  private advance(channel: string, seq: string): boolean {
    const last = this.lastSeq.get(channel)
    if (last !== undefined && compareSeq(seq, last) <= 0) return false
    this.lastSeq.set(channel, seq)
    return true
  }

  private deliver(channel: string | undefined, bytes: Uint8Array, seq: string | undefined, local: boolean): void {
    if (channel === undefined || this.store === undefined) {
      // No store: the channel's own replay buffer keeps the event, wherever it was broadcast.
      this.registry.broadcastEncoded(channel, bytes, seq)
      return
    }
    for (const id of this.registry.channelMembers(channel)) {
      const conn = this.registry.get(id)
      if (conn === undefined) continue
      const queue = this.joining.get(conn)?.get(channel)
      if (queue !== undefined) queue.push({ bytes, seq, local })
      else if (seq === undefined || this.replayed.size === 0 || !this.replayedTo(conn, channel, seq)) conn.writeEncoded(bytes)
    }
  }

  /**
   * Whether `conn`'s replay already covered `seq`: the live copy of a replayed event can come
   * after the replay, since pub/sub messages travel on the subscriber connection, which may lag
   * the one the store read from. With a sequenced store live events come in stream order, so the
   * mark is dropped once a newer event passes. With a shared store that appends and publishes in
   * two steps they need not (publisher A appends 5, B appends 6 and publishes it, then A publishes
   * 5): the mark stays while the connection is in the channel.
   */
  private replayedTo(conn: SSEConnection, channel: string, seq: string): boolean {
    const marks = this.replayed.get(conn)
    const mark = marks?.get(channel)
    if (marks === undefined || mark === undefined) return false
    if (compareSeq(seq, mark) <= 0) return true
    if (!this.sequenced) return false
    marks.delete(channel)
    if (marks.size === 0) this.replayed.delete(conn)
    return false
  }

  /** Sends a reconnecting client what it missed, then what arrived meanwhile, without duplicates. */
  private replay(conn: SSEConnection, channel: string, store: ReplayStore): void {
    let byChannel = this.joining.get(conn)
    if (byChannel === undefined) this.joining.set(conn, (byChannel = new Map()))
    const queue: Queued[] = []
    byChannel.set(channel, queue)
    const finish = (events: StoredEvent[]): void => {
      if (byChannel.get(channel) !== queue) return
      byChannel.delete(channel)
      if (byChannel.size === 0) this.joining.delete(conn)
      // A shared store orders every instance's events by stream id: whatever is at or before the
      // newest event replayed (or the client's own stream id) was replayed or counts as seen by
      // the client (see docs/scaling.md for a store that appends and publishes in two steps).
      let mark = store.shared && STREAM_ID.test(conn.lastEventId) ? conn.lastEventId : undefined
      const seen = new Set<string>()
      for (const e of events) {
        seen.add(e.seq)
        if (store.shared && (mark === undefined || compareSeq(e.seq, mark) > 0)) mark = e.seq
        conn.writeEncoded(e.bytes)
      }
      for (const q of queue) {
        if (q.seq !== undefined) {
          if (mark !== undefined ? compareSeq(q.seq, mark) <= 0 : seen.has(q.seq) && q.local) continue
        }
        conn.writeEncoded(q.bytes)
      }
      // Still a member here (leaving drops the join queue, and `left` drops the mark later).
      if (mark === undefined) return
      let marks = this.replayed.get(conn)
      if (marks === undefined) this.replayed.set(conn, (marks = new Map()))
      marks.set(channel, mark)
    }
    // The read waits until this process's subscription to the channel is in effect: an event
    // published between a read made earlier and the subscription would reach the client by
    // neither. Events arriving from then on wait in `queue`, and `finish` drops the replayed ones.
    // While the hub is disconnected there is nothing to wait for (the gap fill covers it).
    const read = async (): Promise<StoredEvent[]> => {
      if (this.hub.connected !== false) await this.hub.whenSubscribed?.(topicOf(channel))
      return byChannel.get(channel) === queue ? store.since(channel, conn.lastEventId) : []
    }
    read().then(finish, (e: unknown) => {
      this.fail('SSE replay store read failed', e)
      finish([])
    })
  }

  /** The hub lost Redis: from now on live events wait until the gap is filled from the store. */
  private holdLive(): void {
    if (!this.sequenced) return
    for (const channel of this.unsubscribers.keys()) if (!this.filling.has(channel)) this.filling.set(channel, [])
  }

  /**
   * After a reconnection to Redis: reads each channel's missed events from the store, merges
   * them with the live events held meanwhile, and delivers both in stream order, once each.
   */
  private fillGaps(): void {
    const store = this.store
    if (!this.sequenced || store === undefined) return
    for (const [channel, queue] of this.filling) {
      if (this.refilling.has(channel)) continue
      this.refilling.add(channel)
      const flush = (events: StoredEvent[]): void => {
        this.refilling.delete(channel)
        if (this.filling.get(channel) !== queue) return
        this.filling.delete(channel)
        const merged: Array<{ seq: string | undefined; bytes: Uint8Array }> = [...events, ...queue]
        merged.sort((x, y) => compareSeq(x.seq ?? '0', y.seq ?? '0') || 0)
        for (const e of merged) {
          if (e.seq !== undefined && this.advance(channel, e.seq)) this.deliver(channel, e.bytes, e.seq, false)
        }
      }
      // From where the channel was at (once its start position is known); without one (the
      // store could not say), only the live events held meanwhile.
      const read = async (): Promise<StoredEvent[]> => {
        await this.starting.get(channel)
        const from = this.lastSeq.get(channel)
        return from === undefined ? [] : store.after(channel, from)
      }
      read().then(flush, (e: unknown) => {
        this.fail('SSE gap fill after reconnecting failed', e)
        flush([])
      })
    }
  }
}
