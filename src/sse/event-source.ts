/**
 * An `EventSource` for Node, on Portico's own client I/O: the browser API (WHATWG HTML §9.2.2)
 * with `onopen`, `onmessage`, `onerror`, `addEventListener(type)`, `readyState` and `close()`.
 * @module
 */
import { SseSubscription, type SseClientOptions } from './sse-client.js'
import type { ParsedSseEvent } from './stream-parser.js'

/**
 * Options of {@link EventSource}: the browser's `withCredentials`, plus Portico's client options.
 *
 * @example
 * ```ts
 * new EventSource(url, { headers: { Authorization: 'Bearer t' }, retryMs: 1000, maxRetryMs: 60_000 })
 * ```
 */
export interface EventSourceInit extends SseClientOptions {
  /** Kept for compatibility; cookies are not managed by this client. */
  withCredentials?: boolean
}

type Handler<E extends Event> = ((this: EventSource, ev: E) => unknown) | null

/**
 * The `error` event, carrying the cause when there is one (Portico's addition).
 *
 * @example
 * ```ts
 * es.onerror = (ev) => console.warn('SSE error', ev.error?.message, es.readyState)
 * ```
 */
export class EventSourceErrorEvent extends Event {
  /** What failed (a connection error, `PORTICO_ERR_SSE_BAD_RESPONSE`), or undefined (204, stream ended). */
  readonly error: Error | undefined

  constructor(error: Error | undefined) {
    super('error')
    this.error = error
  }
}

/**
 * A client for a Server-Sent Events stream that reconnects by itself.
 *
 * @example
 * ```ts
 * import { EventSource } from 'portico/sse'
 * const es = new EventSource('http://127.0.0.1:8080/events')
 * es.onmessage = (ev) => console.log('message', ev.data)
 * es.addEventListener('price', (ev) => console.log('price', (ev as MessageEvent).data))
 * es.onerror = () => { if (es.readyState === EventSource.CLOSED) console.log('gave up') }
 * ```
 */
export class EventSource extends EventTarget {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSED = 2
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSED = 2

  /** The URL of the stream, as resolved. */
  readonly url: string
  readonly withCredentials: boolean

  private readonly sub: SseSubscription
  private readonly origin: string
  private handlers: { open: Handler<Event>; message: Handler<MessageEvent>; error: Handler<EventSourceErrorEvent> } = {
    open: null,
    message: null,
    error: null,
  }

  constructor(url: string | URL, init: EventSourceInit = {}) {
    super()
    this.withCredentials = init.withCredentials ?? false
    this.sub = new SseSubscription(url, {
      onOpen: () => this.emit(new Event('open')),
      onEvent: (ev) => this.emit(this.messageEvent(ev)),
      onError: (err) => this.emit(new EventSourceErrorEvent(err)),
    }, init)
    this.url = this.sub.url.href
    this.origin = this.sub.url.origin
    // Like a browser, the first request starts after the constructor's caller can attach listeners.
    queueMicrotask(() => {
      if (this.sub.readyState !== 2) this.sub.start()
    })
  }

  /** `0` connecting, `1` open, `2` closed. */
  get readyState(): 0 | 1 | 2 {
    return this.sub.readyState
  }

  /** The last event id received (Portico's addition, handy for resuming elsewhere). */
  get lastEventId(): string {
    return this.sub.lastEventId
  }

  get onopen(): Handler<Event> {
    return this.handlers.open
  }

  set onopen(fn: Handler<Event>) {
    this.handlers.open = fn
  }

  get onmessage(): Handler<MessageEvent> {
    return this.handlers.message
  }

  set onmessage(fn: Handler<MessageEvent>) {
    this.handlers.message = fn
  }

  get onerror(): Handler<EventSourceErrorEvent> {
    return this.handlers.error
  }

  set onerror(fn: Handler<EventSourceErrorEvent>) {
    this.handlers.error = fn
  }

  /**
   * Stops the stream for good.
   *
   * @example
   * ```ts
   * es.close() // es.readyState === EventSource.CLOSED
   * ```
   */
  close(): void {
    this.sub.close()
  }

  private messageEvent(ev: ParsedSseEvent): MessageEvent {
    return new MessageEvent(ev.type, { data: ev.data, lastEventId: ev.lastEventId, origin: this.origin })
  }

  private emit(ev: Event): void {
    const type = ev.type
    const handler = type === 'open' ? this.handlers.open : type === 'message' ? this.handlers.message : type === 'error' ? this.handlers.error : null
    if (handler !== null) {
      const fn = handler as (this: EventSource, e: Event) => unknown
      try {
        fn.call(this, ev)
      } catch (err) {
        queueMicrotask(() => {
          throw err
        })
      }
    }
    this.dispatchEvent(ev)
  }
}
