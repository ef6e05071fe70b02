/**
 * tiny_httpd's server-sent generator (`add_route_server_sent_handler`), in Portico's terms: the
 * handler gets a generator, may set headers before the first event, sends events, and the
 * stream closes when the handler returns (or when it calls `close()`).
 * @module
 */
import type { SseEvent } from './event-encoder.js'
import type { SSEConnection } from './sse-connection.js'

/**
 * What the generator needs from the response: set a header, and start the stream.
 *
 * @example
 * ```ts
 * new SseGenerator({ setHeader: (n, v) => res.setHeader(n, v), startSSE: () => res.startSSE() })
 * ```
 */
export interface SseGeneratorTarget {
  setHeader(name: string, value: string): unknown
  startSSE(): SSEConnection
}

/**
 * The object given to a `server.sse(path, handler)` handler.
 *
 * @example
 * ```ts
 * server.sse('/clock', async (req, gen) => {
 *   gen.setHeaders({ 'X-Clock': 'utc' })
 *   for (let i = 0; i < 3 && gen.isActive(); i++) {
 *     await gen.sendEvent({ event: 'tick', id: String(i), data: new Date().toISOString() })
 *     await new Promise((r) => setTimeout(r, 1000))
 *   }
 *   gen.close()
 * })
 * ```
 */
export class SseGenerator {
  /** Resolves when the stream closes (client left, `close()`, or server stop). */
  readonly closed: Promise<void>

  private readonly target: SseGeneratorTarget
  private conn: SSEConnection | undefined
  private resolveClosed!: () => void
  private done = false

  constructor(target: SseGeneratorTarget) {
    this.target = target
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve
    })
  }

  /**
   * The connection, started on first use (the response head goes out then).
   *
   * @example
   * ```ts
   * gen.connection.join('news')
   * ```
   */
  get connection(): SSEConnection {
    if (this.conn === undefined) {
      this.conn = this.target.startSSE()
      this.conn.onClose(() => {
        this.done = true
        this.resolveClosed()
      })
    }
    return this.conn
  }

  /**
   * Adds response headers; only before the first event.
   *
   * @example
   * ```ts
   * gen.setHeaders({ 'Access-Control-Allow-Origin': '*' })
   * ```
   */
  setHeaders(headers: Record<string, string> | Iterable<readonly [string, string]>): void {
    const entries = Symbol.iterator in headers ? headers : Object.entries(headers)
    for (const [name, value] of entries as Iterable<readonly [string, string]>) this.target.setHeader(name, value)
  }

  /**
   * Sends one event; resolves whether it was written, rejects with `PORTICO_ERR_SSE_CLOSED`
   * once the stream is closed.
   *
   * @example
   * ```ts
   * await gen.sendEvent({ event: 'done', data: 'bye' })
   * ```
   */
  sendEvent(event: SseEvent): Promise<boolean> {
    return this.connection.send(event)
  }

  /** Whether the stream was started (the response head went out). */
  get started(): boolean {
    return this.conn !== undefined
  }

  /**
   * Whether the stream is still open (false once the client left).
   *
   * @example
   * ```ts
   * while (gen.isActive()) await gen.sendEvent({ data: await nextUpdate() })
   * ```
   */
  isActive(): boolean {
    return !this.done
  }

  /**
   * Ends the stream (also done when the handler returns).
   *
   * @example
   * ```ts
   * gen.close()
   * ```
   */
  close(): void {
    this.done = true
    this.connection.closeConnection()
    this.resolveClosed()
  }
}
