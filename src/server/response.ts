/**
 * `PorticoResponse`: how a handler answers. A small body goes out as one socket write (head
 * and body together, `Content-Length` set); a stream goes out chunked with backpressure.
 * Upper layers (SSE, WebSocket, static files) use `openStream()` and `upgrade()` and never
 * reach into the connection.
 * @module
 */
import type { Duplex } from 'node:stream'
import { validateHeaderName, validateHeaderValue } from '../http1/head-writer.js'
import { PorticoError } from '../errors.js'
import type { PorticoRequest } from './request.js'
import { dateLine, statusHasNoBody, statusLine } from './status-line.js'
import { ResponseStream, type OpenStreamOptions } from './response-stream.js'
import { pipeBody, type BodySource } from './send-stream.js'

/**
 * What a response needs from the connection that carries it (see `connection.ts`).
 *
 * @example
 * ```ts
 * res.sink.write(res, 'bytes', 'latin1') // what ResponseStream does
 * ```
 */
export interface ResponseSink {
  readonly socket: Duplex | undefined
  /** Writes bytes of `res`, in request order (buffered while older responses are pending). */
  write(res: PorticoResponse, data: string | Uint8Array, encoding: BufferEncoding): boolean
  /** `res` is complete. */
  finish(res: PorticoResponse): void
  /** Whether the connection may stay open after this response. */
  canKeepAlive(res: PorticoResponse): boolean
  /** Resolves once `res` is the oldest pending response (its bytes go straight out). */
  whenCurrent(res: PorticoResponse): Promise<void>
  /** Hands the socket over (see `res.upgrade`). */
  upgrade(res: PorticoResponse): { socket: Duplex; head: Buffer }
  /** Bytes queued for `res` and not yet sent. */
  pendingBytes(res: PorticoResponse): number
  /** Closes the connection at once. */
  destroy(): void
}

/**
 * The response to one request.
 *
 * @example
 * ```ts
 * server.post('/items', async (req, res) => {
 *   const item = await req.parseJsonBody()
 *   res.setStatus(201)
 *   res.setHeader('Location', '/items/1')
 *   res.setJson(item)
 * })
 * ```
 */
export class PorticoResponse {
  /** The status to send (200 unless set). */
  statusCode = 200
  /** The head was written. */
  headersSent = false
  /** The response is complete (or abandoned because the connection closed). */
  finished = false
  /** @internal whether the connection stays open after this response */
  keepAlive: boolean
  /** @internal the request answered */
  readonly req: PorticoRequest<any>
  /** @internal the connection carrying the response */
  readonly sink: ResponseSink
  /** @internal output held while older pipelined responses are pending */
  held: (string | Uint8Array)[] | undefined = undefined
  /** @internal encodings of `held` */
  heldEncodings: BufferEncoding[] | undefined = undefined
  /** @internal the stream opened by `openStream` */
  stream: ResponseStream | undefined = undefined
  /** @internal the request holds a slot of the concurrency limiter */
  holdsSlot = false
  private headers: string[] = []
  private userConnection = false

  constructor(req: PorticoRequest<any>, sink: ResponseSink, keepAlive: boolean) {
    this.req = req
    this.sink = sink
    this.keepAlive = keepAlive
  }

  /** Sets the status code. */
  setStatus(code: number): this {
    if (this.headersSent) throw new PorticoError('PORTICO_ERR_HEADERS_SENT')
    this.statusCode = code
    return this
  }

  /** Sets a header, replacing any field of that name (an array sets several fields). */
  setHeader(name: string, value: string | number | readonly string[]): this {
    this.removeHeader(name)
    if (Array.isArray(value)) for (const v of value as readonly string[]) this.addHeader(name, v)
    else this.addHeader(name, value as string | number)
    return this
  }

  /** Adds a header field (keeping the fields of that name already set). */
  addHeader(name: string, value: string | number): this {
    if (this.headersSent) throw new PorticoError('PORTICO_ERR_HEADERS_SENT')
    const v = typeof value === 'number' ? String(value) : value
    validateHeaderName(name)
    validateHeaderValue(name, v)
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      this.userConnection = true
      if (/\bclose\b/i.test(v)) this.keepAlive = false
    }
    this.headers.push(name, v)
    return this
  }

  /** The first value of a header set on the response. */
  getHeader(name: string): string | undefined {
    const i = this.indexOf(name, 0)
    return i < 0 ? undefined : this.headers[i + 1]
  }

  /** Whether a header is set. */
  hasHeader(name: string): boolean {
    return this.indexOf(name, 0) >= 0
  }

  /** Removes every field of that name. */
  removeHeader(name: string): this {
    if (this.headersSent) throw new PorticoError('PORTICO_ERR_HEADERS_SENT')
    for (let i = this.indexOf(name, 0); i >= 0; i = this.indexOf(name, i)) this.headers.splice(i, 2)
    return this
  }

  /** The header fields set so far, flat `[name, value, …]`. */
  getHeaders(): readonly string[] {
    return this.headers
  }

  /** Sends `value` as JSON (`Content-Type: application/json` unless set). */
  setJson(value: unknown): void {
    if (this.indexOf('content-type', 0) < 0) this.headers.push('Content-Type', 'application/json')
    // through send(), so that middlewares wrapping it (compression) see JSON bodies too
    void this.send(JSON.stringify(value) ?? 'null')
  }

  /**
   * Sends the body and ends the response: a string (UTF-8, `text/plain` unless a type is set),
   * bytes, or a stream (a `Readable` or any async iterable of chunks, sent chunked unless a
   * `Content-Length` was set). The returned promise settles when a stream is fully sent.
   */
  send(body?: string | Uint8Array | BodySource | null): void | Promise<void> {
    if (body === undefined || body === null) return this.sendBytes(undefined)
    if (typeof body === 'string') {
      if (this.indexOf('content-type', 0) < 0) this.headers.push('Content-Type', 'text/plain; charset=utf-8')
      return this.sendString(body)
    }
    if (body instanceof Uint8Array) {
      if (this.indexOf('content-type', 0) < 0) this.headers.push('Content-Type', 'application/octet-stream')
      return this.sendBytes(body)
    }
    return pipeBody(this, body)
  }

  /** Ends the response: with no body if nothing was sent, or ends an open stream. */
  end(): void {
    if (this.stream !== undefined) this.stream.end()
    else if (!this.finished) this.sendBytes(undefined)
  }

  /**
   * Writes the head now and returns a stream for the body: chunked on HTTP/1.1; with
   * `{ raw: true }` the bytes go out as they are and the connection closes after the body.
   *
   * @example
   * ```ts
   * const out = res.setHeader('Content-Type', 'text/plain').openStream()
   * out.write('a'); out.write('b'); out.end()
   * ```
   */
  openStream(options: OpenStreamOptions = {}): ResponseStream {
    this.assertOpen()
    const noBody = this.req.method === 'HEAD' || statusHasNoBody(this.statusCode)
    const lengthSet = this.indexOf('content-length', 0) >= 0
    const raw = options.raw === true || (this.req.httpVersion !== '1.1' && !lengthSet)
    if (raw && !lengthSet) this.keepAlive = false
    const chunked = !raw && !lengthSet && !noBody
    this.writeHead(this.buildHead(-1, chunked))
    this.stream = new ResponseStream(this, chunked, noBody)
    return this.stream
  }

  /**
   * Hands the socket of an upgrade request over to the caller, detached from the engine (no
   * parser, no timeouts); `head` holds the bytes that followed the request head. An optional
   * `response` (a status line and headers, ending in a blank line) is written first. The
   * socket is handed over not flowing: attaching a `'data'` listener (or `resume()`) starts it.
   *
   * @example
   * ```ts
   * const { socket, head } = res.upgrade('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
   * ```
   */
  upgrade(response?: string): { socket: Duplex; head: Buffer } {
    this.assertOpen()
    const handed = this.sink.upgrade(this)
    this.headersSent = true
    this.finished = true
    if (response !== undefined) handed.socket.write(response, 'latin1')
    return handed
  }

  /** @internal sends a string body with `Content-Length` in one write */
  sendString(body: string): void {
    this.assertOpen()
    const len = Buffer.byteLength(body, 'utf8')
    const head = this.buildHead(len, false)
    if (this.req.method === 'HEAD' || statusHasNoBody(this.statusCode)) this.writeHead(head)
    else if (len === body.length) this.writeHead(head + body)
    else {
      const buf = Buffer.allocUnsafe(head.length + len)
      buf.write(head, 0, 'latin1')
      buf.write(body, head.length, 'utf8')
      this.headersSent = true
      this.sink.write(this, buf, 'latin1')
    }
    this.complete()
  }

  /** @internal sends bytes (or nothing) with `Content-Length` */
  sendBytes(body: Uint8Array | undefined): void {
    this.assertOpen()
    const len = body === undefined ? 0 : body.length
    const head = this.buildHead(len, false)
    this.writeHead(head)
    if (len > 0 && this.req.method !== 'HEAD' && !statusHasNoBody(this.statusCode)) this.sink.write(this, body as Uint8Array, 'latin1')
    this.complete()
  }

  /** @internal builds the head; `length` -1 when unknown */
  buildHead(length: number, chunked: boolean): string {
    const status = this.statusCode
    let head = statusLine(status) + dateLine()
    const hs = this.headers
    for (let i = 0; i < hs.length; i += 2) head += hs[i] + ': ' + hs[i + 1] + '\r\n'
    if (length >= 0 && !statusHasNoBody(status) && this.indexOf('content-length', 0) < 0) head += 'Content-Length: ' + length + '\r\n'
    else if (chunked) head += 'Transfer-Encoding: chunked\r\n'
    if (this.keepAlive && !this.sink.canKeepAlive(this)) this.keepAlive = false
    if (!this.userConnection) {
      if (!this.keepAlive) head += 'Connection: close\r\n'
      else if (this.req.httpVersion === '1.0') head += 'Connection: keep-alive\r\n'
    }
    return head + '\r\n'
  }

  /** @internal writes the head (latin1) */
  writeHead(head: string): void {
    this.headersSent = true
    this.sink.write(this, head, 'latin1')
  }

  /** @internal marks the response complete, once */
  complete(): void {
    if (this.finished) return
    this.finished = true
    this.sink.finish(this)
  }

  /** @internal drops the headers set so far (before an error answer) */
  resetHeaders(): void {
    this.headers = []
    this.userConnection = false
  }

  private assertOpen(): void {
    if (this.finished) throw new PorticoError('PORTICO_ERR_RESPONSE_FINISHED')
    if (this.headersSent) throw new PorticoError('PORTICO_ERR_HEADERS_SENT')
  }

  private indexOf(name: string, from: number): number {
    const hs = this.headers
    const n = name.length
    for (let i = from; i < hs.length; i += 2) {
      const k = hs[i]
      if (k.length === n && (k === name || k.toLowerCase() === name.toLowerCase())) return i
    }
    return -1
  }
}
