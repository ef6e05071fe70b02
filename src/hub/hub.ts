/**
 * The broadcast hub: one `publish` reaches the subscribers of a topic in this process at once
 * and, through a transport (IPC to the cluster primary, Redis pub/sub), in every other process
 * and machine. Each hub instance has an origin id; a message that comes back to the process
 * that published it is dropped, so no process delivers its own message twice.
 * @module
 */
import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import { PorticoError } from '../errors.js'
import { decodeFrame, encodeFrame } from './frame.js'

/** One message as a subscriber receives it. */
export interface HubMessage {
  /** The topic it was published on. */
  readonly topic: string
  /** The payload bytes (a string payload arrives as its UTF-8 bytes with `binary: false`). */
  readonly payload: Buffer
  /** Whether it was published as bytes (`true`) or as a string (`false`). */
  readonly binary: boolean
  /** The id given to `publish`, if any. */
  readonly id: string | undefined
  /** The origin id of the hub that published it. */
  readonly origin: string
}

/** A subscriber. It must not throw; a throw is reported as an `error` event and ignored. */
export type HubListener = (message: HubMessage) => void

/** Options of one publish. */
export interface HubPublishOptions {
  /** An id carried with the message (an SSE event id, say). No CR, LF or NUL. */
  id?: string
}

/**
 * What every hub implements.
 *
 * @example
 * ```ts
 * const hub: Hub = memoryHub()
 * const off = hub.subscribe('news', (m) => console.log(m.payload.toString()))
 * await hub.publish('news', 'hello')   // the listener runs before publish returns
 * off()
 * await hub.close()
 * ```
 */
export interface Hub {
  /** `'memory'`, `'cluster'` or `'redis'`. */
  readonly kind: string
  /** This hub's origin id, unique per process and hub instance. */
  readonly origin: string
  /**
   * Whether the transport is up now (the Redis hub: both connections ready). `undefined` for
   * hubs that have no connection to lose.
   */
  readonly connected?: boolean
  /**
   * Delivers to this process's subscribers synchronously, then hands the message to the other
   * processes. Resolves `true` when handed over (or nothing to hand over to), `false` when the
   * transport failed (reported as an `error` event). Never rejects, except on a closed hub or an
   * invalid topic or id (`PORTICO_ERR_HUB_CLOSED`, `PORTICO_ERR_HUB_INVALID_TOPIC`).
   */
  publish(topic: string, payload: Uint8Array | string, options?: HubPublishOptions): Promise<boolean>
  /** Adds a listener to a topic; returns the function that removes it. */
  subscribe(topic: string, listener: HubListener): () => void
  /** Removes one listener, or every listener of the topic when none is given. */
  unsubscribe(topic: string, listener?: HubListener): void
  /** The topics with at least one listener in this process. */
  topics(): string[]
  /**
   * Resolves once this process's subscription to `topic` is in effect in the transport: while
   * connected, a message published from then on reaches this process's listeners. At once for
   * hubs with nothing to subscribe (memory, cluster). Never rejects (a failed subscription is an
   * `error` event). Optional for hubs written outside Portico; every {@link BaseHub} has it.
   */
  whenSubscribed?(topic: string): Promise<void>
  /** Stops the transport and drops every listener. Idempotent. */
  close(): Promise<void>
  /** `error` (transport failures, listener throws), `connected`, `disconnected`. */
  on(event: 'error', listener: (error: Error) => void): this
  on(event: 'connected' | 'disconnected', listener: () => void): this
  off(event: string, listener: (...args: any[]) => void): this
}

/** The invalid-topic and invalid-id checks every hub applies before anything is sent. */
function validate(topic: string, id: string | undefined): void {
  if (typeof topic !== 'string' || topic === '') throw new PorticoError('PORTICO_ERR_HUB_INVALID_TOPIC', 'A hub topic must be a non-empty string')
  if (id !== undefined && /[\r\n\0]/.test(id)) throw new PorticoError('PORTICO_ERR_HUB_INVALID_TOPIC', 'A hub message id must not contain CR, LF or NUL')
}

/** A new origin id: the process id and random bytes, so two hubs in one process differ too. */
export function newOrigin(): string {
  return `${process.pid.toString(36)}.${randomBytes(6).toString('hex')}`
}

/**
 * The part every hub shares: listeners by topic, local delivery, origin filtering, frames and
 * error reporting. A transport implements `transmit` and the subscription hooks.
 *
 * @example
 * ```ts
 * class LoopHub extends BaseHub {
 *   readonly kind = 'loop'
 *   protected async transmit(topic: string, frame: Buffer) { this.receive(topic, frame); return true }
 * }
 * ```
 */
export abstract class BaseHub extends EventEmitter implements Hub {
  abstract readonly kind: string
  readonly origin = newOrigin()
  protected closed = false
  private readonly subscribers = new Map<string, Set<HubListener>>()
  private warned = false

  async publish(topic: string, payload: Uint8Array | string, options: HubPublishOptions = {}): Promise<boolean> {
    if (this.closed) throw new PorticoError('PORTICO_ERR_HUB_CLOSED')
    const id = options.id
    validate(topic, id)
    const binary = typeof payload !== 'string'
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
    this.deliver({ topic, payload: bytes, binary, id, origin: this.origin })
    if (!this.hasRemote()) return true
    return this.transmit(topic, encodeFrame(this.origin, bytes, binary, id))
  }

  subscribe(topic: string, listener: HubListener): () => void {
    if (this.closed) throw new PorticoError('PORTICO_ERR_HUB_CLOSED')
    validate(topic, undefined)
    let set = this.subscribers.get(topic)
    if (set === undefined) {
      this.subscribers.set(topic, (set = new Set()))
      this.firstSubscriber(topic)
    }
    set.add(listener)
    return () => this.unsubscribe(topic, listener)
  }

  unsubscribe(topic: string, listener?: HubListener): void {
    const set = this.subscribers.get(topic)
    if (set === undefined) return
    if (listener === undefined) set.clear()
    else set.delete(listener)
    if (set.size === 0) {
      this.subscribers.delete(topic)
      if (!this.closed) this.lastSubscriberGone(topic)
    }
  }

  topics(): string[] {
    return [...this.subscribers.keys()]
  }

  whenSubscribed(_topic: string): Promise<void> {
    return Promise.resolve()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.subscribers.clear()
    await this.shutdown()
  }

  /** Sends a frame to the other processes; resolves `false` (after reporting) on failure. */
  protected abstract transmit(topic: string, frame: Buffer): Promise<boolean>

  /** Whether there are other processes to send to (the memory hub has none). */
  protected hasRemote(): boolean {
    return true
  }

  /** Called when a topic gets its first listener in this process. */
  protected firstSubscriber(_topic: string): void {}

  /** Called when a topic loses its last listener in this process. */
  protected lastSubscriberGone(_topic: string): void {}

  /** Releases the transport. */
  protected async shutdown(): Promise<void> {}

  /** A frame from another process: decoded, dropped when it is our own or not a hub frame. */
  protected receive(topic: string, frame: Buffer): void {
    if (this.closed || !this.subscribers.has(topic)) return
    const decoded = decodeFrame(frame)
    if (decoded === undefined || decoded.origin === this.origin) return
    this.deliver({ topic, payload: decoded.payload, binary: decoded.binary, id: decoded.id, origin: decoded.origin })
  }

  /** Reports a failure as an `error` event; with no `error` listener, one console warning. */
  protected report(error: Error): void {
    if (this.listenerCount('error') > 0) {
      this.emit('error', error)
      return
    }
    if (this.warned) return
    this.warned = true
    console.error(`portico hub (${this.kind}): ${error.message} (add hub.on('error') to see every failure)`)
  }

  private deliver(message: HubMessage): void {
    const set = this.subscribers.get(message.topic)
    if (set === undefined) return
    for (const listener of set) {
      try {
        listener(message)
      } catch (error) {
        this.report(new PorticoError('PORTICO_ERR_HUB_LISTENER_FAILED', `A listener of topic ${message.topic} threw`, { cause: error }))
      }
    }
  }
}
