/**
 * The engine under the SSE clients ({@link EventSource}, `sse()`): one GET after another to an
 * event stream, parsing what arrives, and reconnecting as WHATWG HTML §9.2.3 says (after the
 * reconnection time, with `Last-Event-ID`, backing off while attempts fail; never again after
 * a 204 or a response that is not `text/event-stream`).
 * @module
 */
import { PorticoError } from '../errors.js'
import { openConnection, type ConnectOptions } from '../client/connect.js'
import { ClientConnection } from '../client/connection.js'
import { validateHeaderName, validateHeaderValue, writeRequestHead } from '../http1/head-writer.js'
import type { ResponseHead } from '../http1/types.js'
import { SseStreamParser, type ParsedSseEvent } from './stream-parser.js'

/**
 * Options of the SSE clients.
 *
 * @example
 * ```ts
 * sse(url, { lastEventId: '17', connect: { timeout: 5000 } })
 * ```
 */
export interface SseClientOptions {
  /** Extra request headers. */
  headers?: Record<string, string>
  /** The `Last-Event-ID` of the first request (to resume a stream). */
  lastEventId?: string
  /** The reconnection time before the server sends `retry:`, in ms. Default 3000. */
  retryMs?: number
  /** The longest wait between attempts while they keep failing (exponential backoff). Default 30 000. */
  maxRetryMs?: number
  /** Redirects followed per attempt. Default 5. */
  maxRedirects?: number
  /** How to connect (TLS, proxy, timeout); see `openConnection`. */
  connect?: ConnectOptions
  /**
   * The longest line, and the most data one event may gather (UTF-16 code units, bytes for
   * ASCII). A stream that passes it fails with `PORTICO_ERR_SSE_EVENT_TOO_LARGE` and is
   * reconnected as after a network error. Default 1 MiB.
   */
  maxEventSize?: number
}

/**
 * What the engine reports.
 *
 * @example
 * ```ts
 * const handlers: SseClientHandlers = { onOpen() {}, onEvent: (ev) => console.log(ev.data), onError: (err, again) => again || console.error(err) }
 * ```
 */
export interface SseClientHandlers {
  /** A stream was opened (status 200, `text/event-stream`). */
  onOpen(): void
  /** An event arrived. */
  onEvent(event: ParsedSseEvent): void
  /** The stream failed or ended; `reconnecting` is false when this is final (204, bad response). */
  onError(error: Error | undefined, reconnecting: boolean): void
}

/**
 * `0` connecting, `1` open, `2` closed (the `EventSource` values).
 *
 * @example
 * ```ts
 * if (sub.readyState === 2) console.log('closed for good')
 * ```
 */
export type SseReadyState = 0 | 1 | 2

/** `text/event-stream`, ignoring parameters and case (the MIME type essence). */
function isEventStream(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const semi = contentType.indexOf(';')
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'text/event-stream'
}

/**
 * One subscription to an event stream, reconnecting until closed.
 *
 * @example
 * ```ts
 * const sub = new SseSubscription('http://127.0.0.1:8080/events', {
 *   onOpen: () => {}, onEvent: (ev) => console.log(ev.data), onError: () => {},
 * })
 * sub.start()
 * // … later
 * sub.close()
 * ```
 */
export class SseSubscription {
  readonly url: URL
  readyState: SseReadyState = 0

  private readonly handlers: SseClientHandlers
  private readonly options: SseClientOptions
  private readonly extraHeaders: string[] = []
  private readonly parser: SseStreamParser
  private reconnectionTime: number
  private failures = 0
  private attempt = 0
  private timer: NodeJS.Timeout | undefined
  private conn: ClientConnection | undefined
  private abort: AbortController | undefined

  constructor(url: string | URL, handlers: SseClientHandlers, options: SseClientOptions = {}) {
    try {
      this.url = new URL(url)
    } catch (err) {
      throw new PorticoError('PORTICO_ERR_INVALID_REQUEST_URL', `Invalid URL: ${String(url)}`, { cause: err })
    }
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new PorticoError('PORTICO_ERR_INVALID_REQUEST_URL', `Unsupported protocol ${this.url.protocol}`)
    }
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      validateHeaderName(name)
      validateHeaderValue(name, value)
      this.extraHeaders.push(name, value)
    }
    this.handlers = handlers
    this.options = options
    this.reconnectionTime = options.retryMs ?? 3000
    this.parser = new SseStreamParser({
      // close() from a listener stops the events still to come from the same chunk.
      onEvent: (ev) => {
        if (this.readyState !== 2) this.handlers.onEvent(ev)
      },
      onRetry: (ms) => {
        this.reconnectionTime = ms
      },
    }, { maxEventSize: options.maxEventSize })
    this.parser.lastEventId = options.lastEventId ?? ''
    this.parser.reset()
  }

  /** The last event id seen (sent as `Last-Event-ID` on reconnection). */
  get lastEventId(): string {
    return this.parser.lastEventId
  }

  /** Opens the first connection. */
  start(): void {
    void this.connect(this.url, 0)
  }

  /** Stops for good: no more events, no reconnection. */
  close(): void {
    if (this.readyState === 2) return
    this.readyState = 2
    this.attempt++
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.abort?.abort()
    this.conn?.destroy()
    this.conn = undefined
  }

  private async connect(url: URL, redirects: number): Promise<void> {
    const attempt = ++this.attempt
    this.abort = new AbortController()
    let socket
    try {
      socket = await openConnection(url, { tunnel: true, ...this.options.connect, signal: this.abort.signal })
    } catch (err) {
      if (attempt === this.attempt) this.retry(err as Error)
      return
    }
    if (attempt !== this.attempt) {
      socket.destroy()
      return
    }
    const conn = new ClientConnection(socket)
    this.conn = conn
    const headers = ['Host', url.host, 'Accept', 'text/event-stream', 'Cache-Control', 'no-cache']
    // The head is written as latin1: send the id's UTF-8 bytes, as a browser does.
    if (this.parser.lastEventId !== '') headers.push('Last-Event-ID', Buffer.from(this.parser.lastEventId, 'utf8').toString('latin1'))
    headers.push(...this.extraHeaders)
    let opened = false
    conn.dispatch(writeRequestHead('GET', url.pathname + url.search, headers), null, {
      onHead: (head) => {
        if (attempt !== this.attempt) return
        opened = this.handleHead(head, url, redirects, conn)
      },
      onData: (chunk) => {
        if (!opened || attempt !== this.attempt) return
        try {
          this.parser.push(chunk)
        } catch (err) {
          // An oversized line or event: drop this stream and reconnect as after a network error.
          if (attempt !== this.attempt) return
          this.retry(err as Error)
          conn.destroy()
        }
      },
      onEnd: () => {
        if (attempt === this.attempt) {
          conn.destroy()
          this.retry(undefined)
        }
      },
      onError: (err) => {
        if (attempt === this.attempt) this.retry(err)
      },
    }, false)
  }

  /** Returns whether the stream is open; otherwise fails, redirects or gives up. */
  private handleHead(head: ResponseHead, url: URL, redirects: number, conn: ClientConnection): boolean {
    const status = head.statusCode
    if (status === 200 && isEventStream(head.get('content-type'))) {
      this.readyState = 1
      this.failures = 0
      this.parser.reset()
      this.handlers.onOpen()
      return true
    }
    // From here the exchange is over: callbacks of this attempt (the destroy below) are stale.
    this.attempt++
    const location = head.get('location')
    if ((status === 301 || status === 302 || status === 303 || status === 307 || status === 308) && location !== undefined) {
      conn.destroy()
      let next: URL | undefined
      try {
        next = new URL(location, url)
      } catch {
        next = undefined
      }
      if (next === undefined || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
        this.fail(new PorticoError('PORTICO_ERR_SSE_BAD_RESPONSE', `Redirect to an invalid or non-HTTP location: ${location}`))
      } else if (redirects < (this.options.maxRedirects ?? 5)) {
        void this.connect(next, redirects + 1)
      } else {
        this.fail(new PorticoError('PORTICO_ERR_SSE_BAD_RESPONSE', `Too many redirects from ${this.url.href}`))
      }
      return false
    }
    conn.destroy()
    this.fail(status === 204
      ? undefined
      : new PorticoError('PORTICO_ERR_SSE_BAD_RESPONSE', `SSE endpoint answered ${status} ${head.get('content-type') ?? '(no content type)'}`))
    return false
  }

  /** WHATWG "fail the connection": closed for good. */
  private fail(error: Error | undefined): void {
    this.close()
    this.handlers.onError(error, false)
  }

  /** WHATWG "reestablish the connection": wait, then try again with Last-Event-ID. */
  private retry(error: Error | undefined): void {
    if (this.readyState === 2) return
    this.attempt++
    this.conn = undefined
    const wasOpen = this.readyState === 1
    this.readyState = 0
    if (!wasOpen) this.failures++
    const cap = Math.max(this.options.maxRetryMs ?? 30_000, this.reconnectionTime)
    const delay = Math.min(cap, this.reconnectionTime * 2 ** Math.min(this.failures - 1, 20))
    this.handlers.onError(error, true)
    if (this.readyState !== 0) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.connect(this.url, 0)
    }, wasOpen ? this.reconnectionTime : delay)
  }
}
