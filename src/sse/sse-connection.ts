/**
 * One Server-Sent Events stream to one client: formatting (via the encoder), keep-alive
 * heartbeat, slow-consumer guard, channels, and close notification.
 * @module
 */
import { PorticoError } from '../errors.js'
import { encodeComment, encodeEvent, encodeRetry, type SseEvent } from './event-encoder.js'
import { SSE_DEFAULTS, type SseSlowConsumerPolicy, type SseConnectionOptions, type SseTransport } from './transport.js'

/**
 * Why a connection closed: the client left, the server closed it, or it fell too far behind.
 *
 * @example
 * ```ts
 * conn.onClose((reason: SseCloseReason) => metrics.count('sse.close.' + reason))
 * ```
 */
export type SseCloseReason = 'client' | 'server' | 'slow-consumer'

/**
 * Where channel membership is recorded (the server's registry); see `SseRegistry`.
 *
 * @example
 * ```ts
 * const conn = new SSEConnection(transport, { hub: new SseRegistry() })
 * ```
 */
export interface SseChannelHub {
  join(conn: SSEConnection, channel: string): void
  leave(conn: SSEConnection, channel: string): void
}

/**
 * Identity of a connection, given by whoever opens it (the server's `startSSE`).
 *
 * @example
 * ```ts
 * new SSEConnection(transport, { path: '/events', headers: { 'last-event-id': '9' }, heartbeatMs: 0 })
 * ```
 */
export interface SseConnectionInit extends SseConnectionOptions {
  /** The request path that opened the stream. */
  path?: string
  /** The request headers, names lower-cased. */
  headers?: Readonly<Record<string, string>>
  /** Channel registry; joins are recorded there when set. */
  hub?: SseChannelHub
  /** Called with what an `onClose` listener threw (the server reports it as `serverError`). */
  onListenerError?: (error: unknown) => void
}

const TRUE: Promise<boolean> = Promise.resolve(true)
const FALSE: Promise<boolean> = Promise.resolve(false)
const HEARTBEAT = encodeComment('')
const noop = (): void => {}
let nextConnectionId = 1

let dirty: SSEConnection[] = []

function flushAll(): void {
  const list = dirty
  dirty = []
  for (let i = 0; i < list.length; i++) list[i].flush()
}

function scheduleFlush(conn: SSEConnection): void {
  if (dirty.push(conn) === 1) process.nextTick(flushAll)
}

/** A header value arrives as latin1 text; an event id is UTF-8 (as browsers send it). */
function decodeHeaderUtf8(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value
}

function closedError(id: number): Promise<boolean> {
  const p = Promise.reject(new PorticoError('PORTICO_ERR_SSE_CLOSED', `SSE connection ${id} is closed`))
  // A send nobody awaits must not become an unhandled rejection that kills the process.
  p.catch(noop)
  return p
}

/**
 * A Server-Sent Events connection. Made by `res.startSSE()`; every send returns a promise that
 * resolves `true` when the bytes were handed to the socket, `false` when the slow-consumer guard
 * dropped them (or closed the connection), and rejects with `PORTICO_ERR_SSE_CLOSED` once the
 * connection is closed. Invalid event types or ids throw `PORTICO_ERR_SSE_INVALID_FIELD` at once.
 *
 * @example
 * ```ts
 * server.get('/events', (req, res) => {
 *   const conn = res.startSSE({ heartbeatMs: 10_000 })
 *   conn.sendEvent('welcome', 'Connected!', '1')
 *   conn.join('news')
 * })
 * ```
 */
export class SSEConnection {
  /** Unique, never reused while the process lives. */
  readonly connectionId: number
  /** The request path that opened the stream. */
  readonly path: string
  /** The request headers (names lower-cased). */
  readonly headers: Readonly<Record<string, string>>
  /** The `Last-Event-ID` the client sent ( `''` when none): where a reconnecting client left off. */
  readonly lastEventId: string
  /** Events dropped by the `'drop'` slow-consumer policy. */
  droppedEvents = 0

  private readonly transport: SseTransport
  private readonly highWaterMark: number
  private readonly policy: SseSlowConsumerPolicy
  private readonly hub: SseChannelHub | undefined
  private readonly onListenerError: ((error: unknown) => void) | undefined
  private readonly joined = new Set<string>()
  private readonly closeListeners: Array<(reason: SseCloseReason) => void> = []
  private heartbeat: NodeJS.Timeout | undefined
  private wroteSinceBeat = false
  private pending: Uint8Array[] | undefined = undefined
  private pendingBytes = 0
  private active = true
  private reason: SseCloseReason = 'server'

  constructor(transport: SseTransport, init: SseConnectionInit = {}) {
    this.connectionId = nextConnectionId++
    this.transport = transport
    this.path = init.path ?? ''
    this.headers = init.headers ?? {}
    this.lastEventId = decodeHeaderUtf8(this.headers['last-event-id'] ?? '')
    this.highWaterMark = init.highWaterMark ?? SSE_DEFAULTS.highWaterMark
    this.policy = init.slowConsumer ?? SSE_DEFAULTS.slowConsumer
    this.hub = init.hub
    this.onListenerError = init.onListenerError
    // Checked before any timer starts: a bad value throws with nothing left running.
    const retry = init.retryMs === undefined ? undefined : encodeRetry(init.retryMs)
    const beat = init.heartbeatMs ?? SSE_DEFAULTS.heartbeatMs
    if (beat > 0) {
      this.heartbeat = setInterval(() => this.beat(), beat)
      this.heartbeat.unref()
    }
    if (retry !== undefined) this.writeEncoded(retry)
    transport.onClose(() => this.markClosed('client'))
    if (transport.closed) this.markClosed('client')
  }

  /** Channels this connection belongs to. */
  get channels(): ReadonlySet<string> {
    return this.joined
  }

  /** Bytes waiting in this connection's buffer. */
  get bufferedAmount(): number {
    return this.active ? this.transport.writableLength + this.pendingBytes : 0
  }

  /**
   * Sends an event of type `eventType` (`''` for the default `message`), with an optional id.
   *
   * @example
   * ```ts
   * const written = await conn.sendEvent('price', JSON.stringify({ eur: 1.08 }), '17')
   * ```
   */
  sendEvent(eventType: string, data: unknown, eventId?: string): Promise<boolean> {
    if (!this.active) return closedError(this.connectionId)
    const id = eventId === undefined || eventId === '' ? undefined : eventId
    return this.writeEncoded(encodeEvent({ event: eventType, data, id })) ? TRUE : FALSE
  }

  /**
   * Sends an event given as fields (`event`, `id`, `retry`, `data`), as tiny_httpd's generator does.
   *
   * @example
   * ```ts
   * await conn.send({ event: 'tick', id: '3', retry: 5000, data: { n: 3 } })
   * ```
   */
  send(event: SseEvent): Promise<boolean> {
    if (!this.active) return closedError(this.connectionId)
    return this.writeEncoded(encodeEvent(event)) ? TRUE : FALSE
  }

  /**
   * Sends an unnamed event (`message`), as `sendEvent('', data)`.
   *
   * @example
   * ```ts
   * await conn.sendData('line one\nline two')   // two data: lines, one event
   * ```
   */
  sendData(data: unknown): Promise<boolean> {
    return this.sendEvent('', data)
  }

  /**
   * Sends a comment line (clients ignore it; proxies see traffic).
   *
   * @example
   * ```ts
   * await conn.sendComment('still here')
   * ```
   */
  sendComment(text: string): Promise<boolean> {
    if (!this.active) return closedError(this.connectionId)
    return this.writeEncoded(encodeComment(text)) ? TRUE : FALSE
  }

  /**
   * Sets the client's reconnection delay (`retry:`), in milliseconds.
   *
   * @example
   * ```ts
   * await conn.setRetry(5000)
   * ```
   */
  setRetry(ms: number): Promise<boolean> {
    if (!this.active) return closedError(this.connectionId)
    return this.writeEncoded(encodeRetry(ms)) ? TRUE : FALSE
  }

  /**
   * Writes already-encoded event bytes (one buffer shared by a broadcast). Returns whether they
   * were written; applies the slow-consumer policy. Never throws.
   *
   * @example
   * ```ts
   * const bytes = encodeEvent({ data: 'hi' })
   * for (const c of conns) c.writeEncoded(bytes)
   * ```
   */
  writeEncoded(bytes: Uint8Array): boolean {
    if (!this.active) return false
    let buffered = this.transport.writableLength + this.pendingBytes
    if (this.pending !== undefined && buffered + bytes.length > this.highWaterMark) {
      // This tick's batch is past the mark: hand it to the socket now, so only what the socket
      // cannot take counts. A burst (a replay, a broadcast loop) is not held against a client
      // that reads promptly; a stalled one fills the socket's buffer and meets the policy.
      this.flush()
      buffered = this.transport.writableLength
    }
    if (buffered > 0 && buffered + bytes.length > this.highWaterMark) {
      if (this.policy === 'drop') {
        this.droppedEvents++
        return false
      }
      this.markClosed('slow-consumer')
      this.transport.destroy()
      return false
    }
    this.wroteSinceBeat = true
    if (this.pending === undefined) {
      this.pending = [bytes]
      scheduleFlush(this)
    } else {
      this.pending.push(bytes)
    }
    this.pendingBytes += bytes.length
    return true
  }

  /**
   * Hands the writes of this tick to the transport as one write (one syscall for a burst of
   * broadcasts, as `node:http` gets from corking). Called on `process.nextTick`.
   * @internal
   */
  flush(): void {
    const pending = this.pending
    if (pending === undefined) return
    this.pending = undefined
    const total = this.pendingBytes
    this.pendingBytes = 0
    if (this.transport.closed) return
    this.transport.write(pending.length === 1 ? pending[0] : Buffer.concat(pending, total))
  }

  /**
   * Joins a channel: `broadcast(channel, …)` reaches this connection from now on. When the
   * client reconnected with `Last-Event-ID` and the channel keeps a replay buffer, the events
   * it missed are sent first.
   *
   * @example
   * ```ts
   * conn.join('room:42')
   * ```
   */
  join(channel: string): void {
    if (!this.active || this.joined.has(channel)) return
    this.joined.add(channel)
    this.hub?.join(this, channel)
  }

  /**
   * Leaves a channel.
   *
   * @example
   * ```ts
   * conn.leave('room:42')
   * ```
   */
  leave(channel: string): void {
    if (!this.joined.delete(channel)) return
    this.hub?.leave(this, channel)
  }

  /**
   * Closes the stream after what is buffered is sent. With `retryMs`, a `retry:` goes first so
   * the client waits that long before reconnecting. Idempotent.
   *
   * @example
   * ```ts
   * conn.closeConnection({ retryMs: 10_000 })
   * ```
   */
  closeConnection(options: { retryMs?: number } = {}): void {
    if (!this.active) return
    if (options.retryMs !== undefined) this.writeEncoded(encodeRetry(options.retryMs))
    this.flush()
    this.markClosed('server')
    this.transport.end()
  }

  /**
   * Whether the stream is open.
   *
   * @example
   * ```ts
   * if (conn.isConnectionActive()) await conn.sendData('x')
   * ```
   */
  isConnectionActive(): boolean {
    return this.active
  }

  /**
   * The seed's getter of `connection_id` (the same as {@link connectionId}). There is no
   * setter: the server's registry is keyed by the id, which never changes nor is reused.
   *
   * @example
   * ```ts
   * server.sendSseEvent(conn.getConnectionId(), 'ping', 'x')
   * ```
   */
  getConnectionId(): number {
    return this.connectionId
  }

  /**
   * The seed's getter of `path` (the same as {@link path}): the request path that opened it.
   *
   * @example
   * ```ts
   * if (conn.getPath() === '/feed') conn.join('feed')
   * ```
   */
  getPath(): string {
    return this.path
  }

  /**
   * Calls `listener` once when the connection closes, with the reason (at once if already closed).
   *
   * @example
   * ```ts
   * conn.onClose((reason) => console.log('gone:', reason))
   * ```
   */
  onClose(listener: (reason: SseCloseReason) => void): void {
    if (this.active) this.closeListeners.push(listener)
    else listener(this.reason)
  }

  private beat(): void {
    if (!this.wroteSinceBeat) this.writeEncoded(HEARTBEAT)
    this.wroteSinceBeat = false
  }

  private markClosed(reason: SseCloseReason): void {
    if (!this.active) return
    this.active = false
    this.reason = reason
    if (reason !== 'server') {
      this.pending = undefined
      this.pendingBytes = 0
    }
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat)
    for (const channel of this.joined) this.hub?.leave(this, channel)
    this.joined.clear()
    for (const listener of this.closeListeners.splice(0)) {
      // One listener's failure neither stops the others nor escapes into the event loop.
      try {
        listener(reason)
      } catch (err) {
        if (this.onListenerError !== undefined) this.onListenerError(err)
        else console.error('portico: an SSE onClose listener threw', err)
      }
    }
  }
}
