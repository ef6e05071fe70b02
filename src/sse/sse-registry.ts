/**
 * The server's SSE bookkeeping: connections by id, channels, broadcast (encode once, the same
 * bytes to every member) and per-channel replay buffers.
 * @module
 */
import { PorticoError } from '../errors.js'
import { encodeEvent } from './event-encoder.js'
import { ReplayBuffer, type ReplayOptions } from './replay-buffer.js'
import type { SSEConnection, SseChannelHub, SseCloseReason } from './sse-connection.js'

/**
 * Options of one channel.
 *
 * @example
 * ```ts
 * registry.configureChannel('news', { replay: { maxEvents: 100, maxAgeMs: 60_000 } })
 * ```
 */
export interface SseChannelOptions {
  /** Keep recent events for clients that reconnect with `Last-Event-ID`. */
  replay?: ReplayOptions
}

/**
 * Notifications the registry gives its owner (the server emits them as events).
 *
 * @example
 * ```ts
 * new SseRegistry({ onOpen: (c) => console.log('open', c.connectionId), onClose: (c, why) => console.log('closed', why) })
 * ```
 */
export interface SseRegistryHooks {
  onOpen?(conn: SSEConnection): void
  onClose?(conn: SSEConnection, reason: SseCloseReason): void
}

/**
 * Connections by id and channels. One per server (`server.extensions`); usable on its own.
 *
 * @example
 * ```ts
 * const registry = new SseRegistry()
 * registry.configureChannel('news', { replay: { maxEvents: 50 } })
 * const conn = new SSEConnection(transport, { hub: registry, headers })
 * registry.add(conn)
 * conn.join('news')
 * registry.broadcast('news', 'headline', 'Portico ships', '1')
 * ```
 */
export class SseRegistry implements SseChannelHub {
  private readonly connections = new Map<number, SSEConnection>()
  private readonly members = new Map<string, Set<SSEConnection>>()
  private readonly replays = new Map<string, ReplayBuffer>()
  private readonly hooks: SseRegistryHooks
  /**
   * Called when a channel gets its first member (a hub starts relaying it). Set by one owner
   * at a time (the hub bridge); `undefined` when nobody listens.
   */
  onChannelOpened: ((channel: string) => void) | undefined
  /** Called when a channel loses its last member (a hub stops relaying it). */
  onChannelClosed: ((channel: string) => void) | undefined
  /**
   * Called after a connection joined a channel, after the local replay and after
   * {@link SseRegistry.onChannelOpened}: a hub bridge replays from a shared store here.
   */
  onMemberJoined: ((conn: SSEConnection, channel: string) => void) | undefined
  /** Called after a connection left a channel (by `leave()` or by closing). */
  onMemberLeft: ((conn: SSEConnection, channel: string) => void) | undefined

  constructor(hooks: SseRegistryHooks = {}) {
    this.hooks = hooks
  }

  /** Number of open connections. */
  get size(): number {
    return this.connections.size
  }

  /** Registers an open connection; it leaves the registry by itself when it closes. */
  add(conn: SSEConnection): void {
    if (!conn.isConnectionActive()) return
    this.connections.set(conn.connectionId, conn)
    conn.onClose((reason) => {
      this.connections.delete(conn.connectionId)
      this.hooks.onClose?.(conn, reason)
    })
    this.hooks.onOpen?.(conn)
  }

  /** The connection with this id, if open. */
  get(id: number): SSEConnection | undefined {
    return this.connections.get(id)
  }

  /** The connection with this id, or a rejected promise's error. */
  require(id: number): SSEConnection {
    const conn = this.connections.get(id)
    if (conn === undefined) throw new PorticoError('PORTICO_ERR_SSE_UNKNOWN_CONNECTION', `No active SSE connection ${id}`)
    return conn
  }

  /** Ids of the open connections, oldest first. */
  ids(): number[] {
    return [...this.connections.keys()]
  }

  /** Sets a channel's options (a replay buffer); call before broadcasting to it. */
  configureChannel(channel: string, options: SseChannelOptions): void {
    if (options.replay === undefined) this.replays.delete(channel)
    else this.replays.set(channel, new ReplayBuffer(options.replay))
  }

  /** Ids of the members of a channel. */
  channelMembers(channel: string): number[] {
    const set = this.members.get(channel)
    return set === undefined ? [] : [...set].map((c) => c.connectionId)
  }

  /** The channels with at least one member. */
  channelNames(): string[] {
    return [...this.members.keys()]
  }

  /**
   * @internal Called by {@link SSEConnection.join}: records membership and replays missed
   * events from the channel's buffer.
   *
   * Replay is at-least-once: when the client's `Last-Event-ID` is no longer (or never was) in
   * the buffer, which happens once more than `maxEvents` events (or older than `maxAgeMs`) went
   * by, the whole buffer is sent, since the client may have missed any of it; a client may
   * therefore see an event twice and should de-duplicate by id when that matters.
   */
  join(conn: SSEConnection, channel: string): void {
    let set = this.members.get(channel)
    const opened = set === undefined
    if (set === undefined) this.members.set(channel, (set = new Set()))
    set.add(conn)
    const replay = this.replays.get(channel)
    if (replay !== undefined && conn.lastEventId !== '') {
      for (const bytes of replay.since(conn.lastEventId)) conn.writeEncoded(bytes)
    }
    if (opened) this.onChannelOpened?.(channel)
    this.onMemberJoined?.(conn, channel)
  }

  /** @internal Called by {@link SSEConnection.leave} and on close. */
  leave(conn: SSEConnection, channel: string): void {
    const set = this.members.get(channel)
    if (set === undefined || !set.delete(conn)) return
    this.onMemberLeft?.(conn, channel)
    if (set.size > 0) return
    this.members.delete(channel)
    this.onChannelClosed?.(channel)
  }

  /**
   * Encodes the event once and writes the same bytes to every member of `channel` (every
   * connection when `channel` is undefined), recording it in the channel's replay buffer.
   * Returns how many connections it was written to.
   * Throws `PORTICO_ERR_SSE_INVALID_FIELD` for an invalid event type or id.
   */
  broadcast(channel: string | undefined, event: string, data: unknown, eventId?: string): number {
    const id = eventId === undefined || eventId === '' ? undefined : eventId
    return this.broadcastEncoded(channel, encodeEvent({ event, data, id }), id)
  }

  /**
   * Writes already-encoded event bytes to every member of `channel` (every connection when
   * `channel` is undefined) and records them in the channel's replay buffer under `eventId`,
   * so an event that arrived from another process (through a hub) can be replayed by this
   * one too. `bytes` must be one complete event (see `encodeEvent`) whose `id:` line, if any,
   * is `eventId`. Returns how many connections it was written to.
   *
   * @example
   * ```ts
   * const bytes = encodeEvent({ event: 'headline', data: 'Portico ships', id: '7' })
   * registry.broadcastEncoded('news', bytes, '7')
   * ```
   */
  broadcastEncoded(channel: string | undefined, bytes: Uint8Array, eventId?: string): number {
    const id = eventId === undefined || eventId === '' ? undefined : eventId
    if (channel !== undefined) this.replays.get(channel)?.push(id, bytes)
    const targets = channel === undefined ? this.connections.values() : this.members.get(channel)?.values()
    if (targets === undefined) return 0
    let written = 0
    for (const conn of targets) if (conn.writeEncoded(bytes)) written++
    return written
  }

  /** Closes every connection (sending `retry:` first when given). */
  closeAll(options: { retryMs?: number } = {}): void {
    for (const conn of [...this.connections.values()]) conn.closeConnection(options)
  }
}
