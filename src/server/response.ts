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
import { statusHasNoBody } from './status-line.js'
import { declaredLength, findField, serializeHead, type UserConnection } from './response-head.js'
import { ResponseStream, type BodyStream, type OpenStreamOptions } from './response-stream.js'
import { pipeBody, type BodySource } from './send-stream.js'
import type { BodyEncoder } from './body-encoder.js'
import type { ResponseSink } from './response-sink.js'

export type { ResponseSink } from './response-sink.js'

const EMPTY = Buffer.alloc(0)
/** Bodies up to this size leave with their head in one buffer (one write). */
const JOIN_LIMIT = 16 * 1024

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
  openedStream: ResponseStream | undefined = undefined
  /** @internal the request holds a slot of the concurrency limiter */
  holdsSlot = false
  /**
   * Body bytes handed to the connection so far: after any body encoding (compression),
   * before chunk framing; 0 for HEAD and bodiless statuses.
   */
  bytesWritten = 0
  /** The connection closed before the response was complete. */
  aborted = false
  /**
   * @internal inside a middleware chain: a whole body (`send`, `setJson`, `end`) is held until
   * the chain returns, so a middleware may still set headers or replace the body after
   * `await next()`. Streams, `openStream()` and upgrades are written at once.
   */
  deferred = false
  /** @internal the handler settled (its value answered, or its error) */
  handlerSettled = false
  /** @internal the held body (`null`: an empty one); undefined when none is held */
  private heldBody: string | Uint8Array | null | undefined = undefined
  private headers: string[] = []
  private status = 200
  private userConnection: UserConnection = 0
  private bodyStream: BodyStream | undefined = undefined
  private encoder: BodyEncoder | undefined = undefined
  private headHooks: ((res: PorticoResponse) => void)[] | undefined = undefined
  private finishHooks: ((aborted: boolean) => void)[] | undefined = undefined
  private work: Promise<void> | undefined = undefined
  /** A tracked answer failed while the handler was still running (see {@link takeFailure}). */
  private failure: { error: unknown } | undefined = undefined

  constructor(req: PorticoRequest<any>, sink: ResponseSink, keepAlive: boolean) {
    this.req = req
    this.sink = sink
    this.keepAlive = keepAlive
  }

  /**
   * The status to send (200 unless set). Assigning it checks the value as `setStatus` does:
   * anything but an integer from 100 to 999 (a string, NaN, 42) throws
   * `PORTICO_ERR_INVALID_STATUS_CODE` and leaves the status as it was, so a value taken from
   * the request can never write a malformed status line. Assigned after the head was sent, it
   * changes nothing on the wire.
   *
   * @example
   * ```ts
   * res.statusCode = 404
   * ```
   */
  get statusCode(): number {
    return this.status
  }

  set statusCode(code: number) {
    if (!Number.isInteger(code) || code < 100 || code > 999) throw invalidStatus(code)
    this.status = code
  }

  /**
   * Sets the status code: an integer from 100 to 999 (else `PORTICO_ERR_INVALID_STATUS_CODE`).
   *
   * @example
   * ```ts
   * res.setStatus(201).setHeader('Location', '/items/1')
   * ```
   */
  setStatus(code: number): this {
    if (this.headersSent) throw new PorticoError('PORTICO_ERR_HEADERS_SENT')
    if (!Number.isInteger(code) || code < 100 || code > 999) throw invalidStatus(code)
    this.status = code
    return this
  }

  /**
   * Sets a header, replacing any field of that name (an array sets several fields).
   *
   * The engine owns the message framing (RFC 9112 §6): a `Transfer-Encoding` field is
   * dropped, never stored nor sent (as code copying an upstream's headers would set it): the
   * engine chunks a streamed body itself and gives a whole body its `Content-Length`, and a
   * sender must never send both (RFC 9112 §6.2). A `Content-Length` set here is replaced by
   * the real length of a whole body (`send(string | bytes)`); a streamed body
   * (`openStream()`, `send(stream)`) is held to it: a body going past it or ending short of
   * it throws `PORTICO_ERR_RESPONSE_LENGTH_MISMATCH` and closes the connection after the bytes
   * written. A `Connection` field is sent as set, with `close` added when the engine closes
   * the connection after the response.
   *
   * @example
   * ```ts
   * res.setHeader('Cache-Control', 'no-store').setHeader('Set-Cookie', ['a=1', 'b=2'])
   * ```
   */
  setHeader(name: string, value: string | number | readonly string[]): this {
    this.removeHeader(name)
    if (Array.isArray(value)) for (const v of value as readonly string[]) this.addHeader(name, v)
    else this.addHeader(name, value as string | number)
    return this
  }

  /**
   * Adds a header field (keeping the fields of that name already set). A `Transfer-Encoding`
   * field is dropped: the engine owns the framing (see {@link setHeader}).
   *
   * @example
   * ```ts
   * res.addHeader('Vary', 'Accept-Encoding')
   * ```
   */
  addHeader(name: string, value: string | number): this {
    if (this.headersSent) throw new PorticoError('PORTICO_ERR_HEADERS_SENT')
    const v = typeof value === 'number' ? String(value) : value
    validateHeaderName(name)
    validateHeaderValue(name, v)
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      if (/\bclose\b/i.test(v)) {
        this.keepAlive = false
        this.userConnection = 2
      } else if (this.userConnection === 0) this.userConnection = 1
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return this
    this.headers.push(name, v)
    return this
  }

  /** The first value of a header set on the response. */
  getHeader(name: string): string | undefined {
    const i = findField(this.headers, name, 0)
    return i < 0 ? undefined : this.headers[i + 1]
  }

  /** Whether a header is set. */
  hasHeader(name: string): boolean {
    return findField(this.headers, name, 0) >= 0
  }

  /**
   * Removes every field of that name (a `Connection: close` removed still closes the connection).
   *
   * @example
   * ```ts
   * res.removeHeader('Content-Length')
   * ```
   */
  removeHeader(name: string): this {
    if (this.headersSent) throw new PorticoError('PORTICO_ERR_HEADERS_SENT')
    for (let i = findField(this.headers, name, 0); i >= 0; i = findField(this.headers, name, i)) this.headers.splice(i, 2)
    if (name.length === 10 && this.userConnection !== 0 && name.toLowerCase() === 'connection') this.userConnection = 0
    return this
  }

  /** The header fields set so far, flat `[name, value, …]`. */
  getHeaders(): readonly string[] {
    return this.headers
  }

  /**
   * Calls `cb` once, when the response is complete (its last byte handed to the connection;
   * `aborted` false) or when the connection closed before that (`aborted` true). Called at
   * once (in a microtask) when that already happened.
   *
   * @example
   * ```ts
   * res.onFinish((aborted) => log(req.path, res.statusCode, res.bytesWritten, aborted))
   * ```
   */
  onFinish(cb: (aborted: boolean) => void): void {
    if (this.finished) {
      const aborted = this.aborted
      queueMicrotask(() => cb(aborted))
    } else (this.finishHooks ??= []).push(cb)
  }

  /**
   * Calls `cb(res)` just before the head is written, whatever writes it: the handler, an
   * error answer of the engine (413, 408, 503, 500…, whose headers replace the ones set
   * before), a stream. `cb` may still set headers. See also `server.onResponseHead`.
   *
   * @example
   * ```ts
   * res.onHead((r) => r.setHeader('Access-Control-Allow-Origin', '*'))
   * ```
   */
  onHead(cb: (res: PorticoResponse) => void): void {
    if (!this.headersSent) (this.headHooks ??= []).push(cb)
  }

  /**
   * Routes the body through `encoder` (compression): it is asked once, right before the head
   * is written, whether and how to encode the body (see `BodyEncoder`). Raw streams
   * (`openStream({ raw: true })`) and upgrades are never encoded.
   *
   * @example
   * ```ts
   * res.setBodyEncoder({ start: (res, size) => (size !== undefined && size > 1024 ? gzipEncoding : undefined) })
   * ```
   */
  setBodyEncoder(encoder: BodyEncoder | undefined): void {
    this.encoder = encoder
  }

  /** Sends `value` as JSON (`Content-Type: application/json` unless set). */
  setJson(value: unknown): void {
    if (findField(this.headers, 'content-type', 0) < 0) this.headers.push('Content-Type', 'application/json')
    this.sendString(JSON.stringify(value) ?? 'null')
  }

  /**
   * The whole body given to `send`/`setJson` that a middleware chain still holds (it leaves
   * when the outermost middleware returns), or `undefined`. A middleware may read it after
   * `await next()` and replace it with `send()`.
   *
   * @example
   * ```ts
   * server.use(async (req, res, next) => { await next(); if (typeof res.body === 'string') res.send(res.body.toUpperCase()) })
   * ```
   */
  get body(): string | Uint8Array | undefined {
    const held = this.heldBody
    return held === null ? EMPTY : held
  }

  /**
   * Whether the response was answered: sent, finished, a body held by a middleware chain, or
   * an answer under way (`send(stream)`, `sendFile()`; see {@link track}).
   */
  get answered(): boolean {
    return this.finished || this.headersSent || this.heldBody !== undefined || this.work !== undefined
  }

  /** @internal the answer under way (see {@link track}), until it settles */
  get pendingWork(): Promise<void> | undefined {
    return this.work
  }

  /** @internal the failure of a tracked answer that a handler returning nothing leaves as its answer */
  takeFailure(): { error: unknown } | undefined {
    const failure = this.failure
    this.failure = undefined
    return failure
  }

  /**
   * Marks the response as answered by `work`, an asynchronous answer already under way (what
   * `send(stream)` and `res.sendFile()` do, before their first `await`): until `work` settles,
   * a handler that returns without awaiting it does not end the response empty; the engine
   * waits for `work` and answers its failure as it would the handler's. If `work` fails while
   * the handler still runs, the failure answers when the handler returns nothing (a handler
   * that returns a value has dealt with it). A failure after the handler settled goes to
   * `serverError`. Returns `work`.
   *
   * @example
   * ```ts
   * PorticoResponse.prototype.sendReport = function () { return this.track(buildAndSend(this)) }
   * ```
   */
  track(work: Promise<void>): Promise<void> {
    this.work = work
    const done = (): void => {
      if (this.work === work) this.work = undefined
    }
    work.then(done, (error: unknown) => {
      done()
      if (!this.handlerSettled) this.failure = { error }
      else if (!(error instanceof PorticoError && error.code === 'PORTICO_ERR_CONNECTION_CLOSED')) {
        this.req.server.emitError(`A response failed after its handler settled: ${this.req.method} ${this.req.path}`, error)
      }
    })
    return work
  }

  /**
   * @internal leaves the middleware chain: writes the held body (or an empty one when the
   * chain answered nothing and `endIfOpen`), or with `discard` drops it (an error answers instead).
   */
  release(discard: boolean, endIfOpen: boolean): void {
    const held = this.heldBody
    this.deferred = false
    this.heldBody = undefined
    if (discard || this.finished || this.headersSent) return
    if (held === undefined) {
      if (endIfOpen) this.sendBytes(undefined)
    } else if (typeof held === 'string') this.sendString(held)
    else this.sendBytes(held ?? undefined)
  }

  /**
   * Sends the body and ends the response: a string (UTF-8, `text/plain` unless a type is set),
   * bytes, or a stream (a `Readable` or any async iterable of chunks, sent chunked unless a
   * `Content-Length` was set). The returned promise settles when a stream is fully sent; the
   * handler need not await it (the response counts as answered at once, see {@link track}).
   *
   * For a string or bytes the engine writes `Content-Length` itself: a `Content-Length` the
   * handler set is replaced by the body's real length (for HEAD, the length the body would
   * have, as GET sends it). Only a HEAD answered with no body (`end()`, `send()`) keeps the
   * handler's value, the length of the representation GET would send (RFC 9110 §8.6).
   *
   * @example
   * ```ts
   * res.send('hello')                       // text/plain, Content-Length: 5
   * res.send(fs.createReadStream(path))      // chunked; no need to await
   * ```
   */
  send(body?: string | Uint8Array | BodySource | null): void | Promise<void> {
    if (body === undefined || body === null) return this.sendBytes(undefined)
    if (typeof body === 'string') {
      if (findField(this.headers, 'content-type', 0) < 0) this.headers.push('Content-Type', 'text/plain; charset=utf-8')
      return this.sendString(body)
    }
    if (body instanceof Uint8Array) {
      if (findField(this.headers, 'content-type', 0) < 0) this.headers.push('Content-Type', 'application/octet-stream')
      return this.sendBytes(body)
    }
    return this.track(pipeBody(this, body))
  }

  /** Ends the response: with no body if nothing was sent, or ends an open stream. */
  end(): void {
    if (this.bodyStream !== undefined) this.bodyStream.end()
    else if (this.deferred) {
      if (this.heldBody === undefined) this.heldBody = null
    } else if (!this.finished) this.sendBytes(undefined)
  }

  /**
   * Streams the body. Given a source (a `Readable`, an async iterable of chunks) it sends it as
   * {@link send} does, with backpressure, and settles once all is sent; given nothing (or
   * {@link OpenStreamOptions}) it writes the head now and returns the body stream, as
   * {@link openStream} does.
   *
   * @example
   * ```ts
   * await res.stream(fs.createReadStream('big.csv'))
   * const out = res.stream(); out.write('a'); out.end()
   * ```
   */
  stream(source: BodySource): Promise<void>
  stream(options?: OpenStreamOptions): ResponseStream
  stream(arg?: BodySource | OpenStreamOptions): Promise<void> | ResponseStream {
    if (arg !== undefined && arg !== null && typeof (arg as BodySource)[Symbol.asyncIterator] === 'function') {
      return this.track(pipeBody(this, arg as BodySource))
    }
    return this.openStream(arg as OpenStreamOptions | undefined)
  }

  /**
   * Writes the head now and returns a stream for the body: chunked on HTTP/1.1; with
   * `{ raw: true }` the bytes go out as they are and the connection closes after the body.
   * With a `Content-Length` set the body is framed by it and held to it: a write past it
   * throws (nothing of it is written) and an `end()` short of it throws, both with
   * `PORTICO_ERR_RESPONSE_LENGTH_MISMATCH`, and the connection closes after the bytes written.
   * A `Content-Length` that is not one non-negative integer throws that error before the head
   * is written.
   *
   * @example
   * ```ts
   * const out = res.setHeader('Content-Type', 'text/plain').openStream()
   * out.write('a'); out.write('b'); out.end()
   * ```
   */
  openStream(options: OpenStreamOptions = {}): ResponseStream {
    this.assertOpen()
    const encoder = this.encoder
    if (encoder !== undefined && options.raw !== true) {
      this.encoder = undefined
      const encoding = encoder.start(this, undefined)
      const inner = this.openStream(options)
      if (encoding === undefined) return inner
      const outer = encoding.stream(inner)
      this.bodyStream = outer
      // The encoder's stream has the public shape of a ResponseStream (BodyStream).
      return outer as ResponseStream
    }
    // the hooks first: the framing follows the status and fields they leave
    if (this.headHooks !== undefined || this.req.server.headHooks.length !== 0) this.runHeadHooks()
    const bodiless = statusHasNoBody(this.status)
    const noBody = bodiless || this.req.method === 'HEAD'
    // 204/304 keep the handler's Content-Length as it is (it frames nothing)
    const declared = bodiless ? -1 : declaredLength(this.headers)
    const lengthSet = bodiless ? findField(this.headers, 'content-length', 0) >= 0 : declared >= 0
    const raw = options.raw === true || (this.req.httpVersion !== '1.1' && !lengthSet)
    if (raw && !lengthSet) this.keepAlive = false
    const chunked = !raw && !lengthSet && !noBody
    // the declared length goes out as the engine's own field (one, normalized)
    this.writeHead(serializeHead(this, this.headers, this.userConnection, declared, chunked, false))
    const stream = new ResponseStream(this, chunked, noBody, noBody ? -1 : declared)
    this.openedStream = stream
    this.bodyStream = stream
    return stream
  }

  /**
   * Hands the socket of an upgrade request over to the caller, detached from the engine (no
   * parser, no timeouts); `head` holds the bytes that followed the request head. An optional
   * `response` (a status line and headers, ending in a blank line) is written first. The
   * socket is handed over not flowing: attaching a `'data'` listener (or `resume()`) starts it.
   * Until you add an `'error'` listener of your own, an error on the socket (a peer's reset)
   * destroys it quietly instead of ending the process as an unhandled `'error'`; adding yours
   * removes that guard. An HTTP/1.0 request is never upgradable (RFC 9110 §7.8: its `Upgrade`
   * is ignored): `upgrade()` throws `PORTICO_ERR_NOT_UPGRADABLE` for it.
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
    this.fireFinish()
    return handed
  }

  /** @internal sends a string body with `Content-Length` in one write */
  sendString(body: string): void {
    this.assertOpen()
    if (this.deferred) {
      this.heldBody = body
      return
    }
    if (this.encoder !== undefined) return this.sendEncoded(body)
    const len = Buffer.byteLength(body, 'utf8')
    const head = this.buildHead(len, false)
    if (this.req.method === 'HEAD' || statusHasNoBody(this.status)) this.writeHead(head)
    else if (len === body.length) {
      this.bytesWritten = len
      this.writeHead(head + body)
    } else {
      this.bytesWritten = len
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
    if (this.deferred) {
      this.heldBody = body ?? null
      return
    }
    if (this.encoder !== undefined) return this.sendEncoded(body ?? EMPTY)
    const len = body === undefined ? 0 : body.length
    const head = this.buildHead(len, false, body === undefined && this.req.method === 'HEAD')
    if (len === 0 || this.req.method === 'HEAD' || statusHasNoBody(this.status)) this.writeHead(head)
    else if (len <= JOIN_LIMIT) {
      // One buffer, one socket write: a copy of a small body costs less than a second syscall.
      const out = Buffer.allocUnsafe(head.length + len)
      out.write(head, 0, 'latin1')
      out.set(body as Uint8Array, head.length)
      this.bytesWritten = len
      this.headersSent = true
      this.sink.write(this, out, 'latin1')
    } else {
      this.writeHead(head)
      this.bytesWritten = len
      this.sink.write(this, body as Uint8Array, 'latin1')
    }
    this.complete()
  }

  /** A whole body through the encoder: encoded at once, streamed through it, or as it is. */
  private sendEncoded(given: string | Uint8Array): void {
    const encoder = this.encoder as BodyEncoder
    this.encoder = undefined
    const encoding = encoder.start(this, typeof given === 'string' ? Buffer.byteLength(given, 'utf8') : given.length)
    if (encoding === undefined) return typeof given === 'string' ? this.sendString(given) : this.sendBytes(given)
    const body = typeof given === 'string' ? Buffer.from(given, 'utf8') : given
    const whole = encoding.whole?.(body)
    if (whole !== undefined) return this.sendBytes(whole)
    const out = this.openStream()
    const outer = encoding.stream(out)
    this.bodyStream = outer
    if (body.length > 0) outer.write(body)
    outer.end()
  }

  /**
   * @internal runs the head hooks, then builds the head (see `serializeHead`); `length` -1
   * when unknown. A known length replaces any `Content-Length` the handler set, unless
   * `keepLength` (HEAD answered with no body).
   */
  buildHead(length: number, chunked: boolean, keepLength = false): string {
    if (this.headHooks !== undefined || this.req.server.headHooks.length !== 0) this.runHeadHooks()
    // the fields are read after the hooks, which may change them
    return serializeHead(this, this.headers, this.userConnection, length, chunked, keepLength)
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
    if (this.finishHooks !== undefined) this.fireFinish()
  }

  /** @internal the connection closed before the response was complete */
  abort(): void {
    if (this.finished) return
    this.finished = true
    this.aborted = true
    this.openedStream?.fireClose()
    this.fireFinish()
  }

  private fireFinish(): void {
    const hooks = this.finishHooks
    if (hooks === undefined) return
    this.finishHooks = undefined
    for (const hook of hooks) {
      try {
        hook(this.aborted)
      } catch (err) {
        this.req.server.emitError('An onFinish callback failed', err)
      }
    }
  }

  private runHeadHooks(): void {
    const own = this.headHooks
    this.headHooks = undefined
    const hooks = this.req.server.headHooks
    try {
      for (let i = 0; i < hooks.length; i++) hooks[i](this.req, this)
      if (own !== undefined) for (const hook of own) hook(this)
    } catch (err) {
      this.req.server.emitError('A response head hook failed', err)
    }
    this.headHooks = own
  }

  /** @internal drops the headers set so far (before an error answer) */
  resetHeaders(): void {
    this.headers = []
    this.userConnection = 0
  }

  private assertOpen(): void {
    if (this.finished) throw new PorticoError('PORTICO_ERR_RESPONSE_FINISHED')
    if (this.headersSent) throw new PorticoError('PORTICO_ERR_HEADERS_SENT')
  }
}

function invalidStatus(code: unknown): PorticoError {
  return new PorticoError('PORTICO_ERR_INVALID_STATUS_CODE', `Invalid status code: ${JSON.stringify(String(code))}`)
}
