/**
 * One client connection: a socket, a response parser, and at most one exchange (request and
 * response) at a time. It knows when the connection can be reused (keep-alive) and whether a
 * failure happened before any byte of the response, which is what makes a retry safe.
 * @module
 */
import type { Socket } from 'node:net'
import { ERRORS, PorticoError, type ErrorCode } from '../errors.js'
import type { ParserLimits, ResponseHead } from '../http1/types.js'
import { ClientResponseParser } from './client-parser.js'

/** Receives one response. Called synchronously from socket events. */
export interface ResponseHandler {
  /** The final response head (1xx interim heads are skipped, except 101). */
  onHead(head: ResponseHead): void
  /** A piece of the body (de-chunked, not decompressed). */
  onData(chunk: Buffer): void
  /** The response is complete. */
  onEnd(trailers: string[] | undefined): void
  /** The exchange failed; `info` tells whether any response byte had arrived. */
  onError(err: Error, info: FailureInfo): void
}

/** Facts about a failed exchange, used to decide a retry. */
export interface FailureInfo {
  /** Bytes of the response had arrived (the request may have been processed). */
  responseStarted: boolean
  /** The connection had served an exchange before this one (a possibly stale keep-alive socket). */
  reused: boolean
}

type Phase = 'idle' | 'headers' | 'body'

const EMPTY = Buffer.alloc(0)

/**
 * A socket carrying HTTP/1.1 exchanges one after another. {@link dispatch} starts an exchange;
 * `onRelease` is called when the response is complete and the connection may be reused.
 *
 * After a `101` or a 2xx answer to `CONNECT` the connection stops reading the socket
 * ({@link detached}) and leaves it as node:http leaves the socket of an `'upgrade'`: neither
 * flowing nor paused (`readableFlowing === null`), the bytes the server sent after the head put
 * back at the front of its buffer (`socket.unshift`). Nothing is lost however late the new
 * reader comes: its first `'data'` listener or `read()` gets them. The connection still owns
 * the socket: it keeps an `'error'` listener and {@link destroy} closes it, until a caller
 * takes the socket with {@link detach}.
 *
 * @example
 * ```ts
 * const conn = new ClientConnection(await openConnection('http://127.0.0.1:8080'))
 * conn.dispatch('GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n', null, handler, false)
 * ```
 */
export class ClientConnection {
  readonly socket: Socket
  /** Exchanges completed on this connection. */
  completed = 0
  /** The socket is gone or will not carry another exchange. */
  closed = false
  /** Called once the current exchange completed and the connection stays open. */
  onRelease: ((conn: ClientConnection) => void) | null = null
  /** Called once when the socket closes (or is taken with {@link detach}). */
  onClose: ((conn: ClientConnection) => void) | null = null
  /** The server's keep-alive `timeout=` hint in ms (0 when none). */
  serverIdleHint = 0
  /** The socket became a tunnel (2xx to CONNECT, or 101): this object no longer reads it. */
  detached = false

  private readonly parser: ClientResponseParser
  private handler: ResponseHandler | null = null
  private phase: Phase = 'idle'
  private skipBody: boolean | 'connect' = false
  private trailers: string[] | undefined = undefined
  private readonly onData = (data: Buffer): void => this.handleData(data)
  private readonly onEnd = (): void => this.handleEnd()
  private readonly onError = (err: Error): void => this.fail('PORTICO_ERR_CONNECTION_CLOSED', err.message, err)
  private readonly onSocketClose = (): void => this.handleClose()
  private readonly onTimeout = (): void => this.handleTimeout()
  private interim = false
  private responseStarted = false
  private reusable = true
  private writing = false
  private tunnel = false
  /** The response completed inside `execute`; finished once `execute` returns. */
  private done = false
  private executing = false
  private paused = false
  private headersTimeout = 0
  private bodyTimeout = 0
  private idleTimeout = 0
  private currentTimeout = 0
  private deadline: NodeJS.Timeout | null = null

  constructor(socket: Socket, limits?: Partial<ParserLimits>) {
    this.socket = socket
    this.parser = new ClientResponseParser({
      onHead: (head) => this.handleHead(head),
      onBody: (chunk) => {
        if (this.handler !== null) this.handler.onData(chunk)
      },
      onTrailers: (trailers) => {
        this.trailers = trailers
      },
      onComplete: () => this.handleComplete(),
    }, limits)
    socket.on('data', this.onData)
    socket.on('end', this.onEnd)
    socket.on('error', this.onError)
    socket.on('close', this.onSocketClose)
    socket.on('timeout', this.onTimeout)
  }

  /** Whether an exchange is in progress. */
  get busy(): boolean {
    return this.handler !== null
  }

  /** Whether the reader paused the socket ({@link pause}). */
  get isPaused(): boolean {
    return this.paused
  }

  /**
   * Sets the timeouts (ms, 0 = none): the deadline for the response head (from sending the
   * request), a stall in the body, and how long the connection may sit idle between exchanges
   * before it is closed.
   */
  setTimeouts(headers: number, body: number, idle: number): void {
    this.headersTimeout = headers
    this.bodyTimeout = body
    this.idleTimeout = idle
    if (this.phase === 'idle' && !this.closed) this.armTimeout(idle)
  }

  /**
   * Starts an exchange: writes `head` (a whole request head, latin1) and `body` (if any) in one
   * go. With `skipBody` the response has no body whatever its headers say (HEAD requests).
   */
  dispatch(head: string, body: Uint8Array | string | null, handler: ResponseHandler, skipBody: boolean | 'connect'): void {
    if (this.handler !== null || this.closed) {
      throw new PorticoError('PORTICO_ERR_CLIENT_STATE', 'Connection busy or closed')
    }
    this.begin(handler, skipBody)
    const socket = this.socket
    if (body === null || body.length === 0) {
      socket.write(head, 'latin1')
    } else {
      socket.cork()
      socket.write(head, 'latin1')
      socket.write(body)
      socket.uncork()
    }
    this.startDeadline()
  }

  /**
   * Starts an exchange whose body is written afterwards by the caller with {@link writeBody}
   * and {@link endBody} (streaming request bodies). Until the body ends, the headers timeout
   * applies to inactivity; the head deadline starts once the body is sent.
   */
  dispatchStreaming(head: string, handler: ResponseHandler, skipBody: boolean): void {
    if (this.handler !== null || this.closed) {
      throw new PorticoError('PORTICO_ERR_CLIENT_STATE', 'Connection busy or closed')
    }
    this.begin(handler, skipBody)
    this.writing = true
    this.armTimeout(this.headersTimeout)
    this.socket.write(head, 'latin1')
  }

  /** Writes body bytes of a streaming exchange; resolves when the socket can take more. */
  writeBody(data: Uint8Array | string): Promise<void> | undefined {
    if (this.closed) return undefined
    if (this.socket.write(data)) return undefined
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done)
        this.socket.off('close', done)
        resolve()
      }
      this.socket.on('drain', done)
      this.socket.on('close', done)
    })
  }

  /** Ends the body of a streaming exchange. */
  endBody(): void {
    this.writing = false
    if (this.phase === 'headers' && !this.closed) {
      this.armTimeout(0)
      this.startDeadline()
    }
  }

  /**
   * Gives back a connection that was handed out but carried no exchange (the request was
   * aborted before it was sent): it returns to its pool through `onRelease`.
   *
   * @example
   * ```ts
   * if (signal.aborted) { conn.release(); throw abortError }
   * ```
   */
  release(): void {
    if (!this.closed && this.handler === null) this.onRelease?.(this)
  }

  /**
   * Stops reading the socket because the reader is behind; the body timeout is suspended until
   * {@link resume} (a stall the client chose is not the server's).
   */
  pause(): void {
    if (this.paused) return
    this.paused = true
    this.socket.pause()
    if (this.phase === 'body') this.armTimeout(0)
  }

  /** Reads the socket again after {@link pause}; the body timeout starts afresh. */
  resume(): void {
    if (!this.paused) return
    this.paused = false
    if (this.detached) return
    this.socket.resume()
    if (this.phase === 'body') this.armTimeout(this.bodyTimeout)
  }

  /** Destroys the connection; the current exchange (if any) fails with `err`. */
  destroy(err?: Error): void {
    if (this.handler !== null) this.fail('PORTICO_ERR_CONNECTION_CLOSED', err?.message ?? 'Connection destroyed', err)
    this.closed = true
    this.clearDeadline()
    this.socket.destroy()
  }

  /**
   * Hands the socket over to the caller (after a `101` or a `CONNECT` tunnel): this object
   * removes all its listeners, including the `'error'` one, so the caller must add its own.
   * `onClose` is called (the connection is gone from its pool). The other protocol's first
   * bytes are already in the socket's buffer.
   *
   * @example
   * ```ts
   * const socket = conn.detach()
   * socket.on('error', onError)
   * socket.on('data', onFrameBytes) // the bytes that came with the 101 first
   * ```
   */
  detach(): Socket {
    if (this.handler !== null) throw new PorticoError('PORTICO_ERR_CLIENT_STATE', 'Cannot detach a connection during an exchange')
    const socket = this.socket
    this.stopReading()
    socket.off('error', this.onError)
    socket.off('close', this.onSocketClose)
    this.closed = true
    this.detached = true
    const onClose = this.onClose
    this.onClose = null
    onClose?.(this)
    return socket
  }

  private begin(handler: ResponseHandler, skipBody: boolean | 'connect'): void {
    this.handler = handler
    this.skipBody = skipBody
    this.responseStarted = false
    this.trailers = undefined
    this.interim = false
    this.phase = 'headers'
    if (this.paused) {
      this.paused = false
      this.socket.resume()
    }
    this.armTimeout(0)
  }

  /** The headers timeout as a deadline from sending the request, not an inactivity timer. */
  private startDeadline(): void {
    this.clearDeadline()
    const ms = this.headersTimeout
    if (ms <= 0 || !Number.isFinite(ms) || this.phase !== 'headers') return
    this.deadline = setTimeout(() => {
      this.deadline = null
      if (this.phase === 'headers') this.fail('PORTICO_ERR_HEADERS_TIMEOUT', `No response head within ${ms} ms`)
    }, ms)
    this.deadline.unref()
  }

  private clearDeadline(): void {
    if (this.deadline !== null) {
      clearTimeout(this.deadline)
      this.deadline = null
    }
  }

  private armTimeout(ms: number): void {
    if (ms !== this.currentTimeout) {
      this.currentTimeout = ms
      this.socket.setTimeout(ms)
    }
  }

  private handleData(data: Buffer): void {
    if (this.handler === null) {
      // Bytes while idle: a late answer (408, 503) announcing the close. Drop the connection.
      this.closed = true
      this.socket.destroy()
      return
    }
    this.responseStarted = true
    let consumed: number
    this.executing = true
    try {
      consumed = this.parser.execute(data)
    } catch (err) {
      this.executing = false
      this.done = false
      const e = err as PorticoError
      this.fail(e.code ?? 'PORTICO_ERR_CONNECTION_CLOSED', e.message, err)
      return
    }
    this.executing = false
    if (this.done) this.finish(consumed < data.length ? data.subarray(consumed) : EMPTY)
  }

  private handleHead(head: ResponseHead): boolean {
    if (this.handler === null) {
      // A response nobody asked for (pipelined after ours, e.g. a 408 before closing).
      this.reusable = false
      this.closed = true
      this.socket.destroy()
      return true
    }
    const status = head.statusCode
    if (status < 200 && status !== 101) {
      // 1xx: the head deadline runs on until the final head.
      this.interim = true
      return true
    }
    this.clearDeadline()
    this.phase = 'body'
    if (!head.keepAlive) this.reusable = false
    let noBody = this.skipBody === true
    if (this.skipBody === 'connect' && status >= 200 && status < 300) {
      // RFC 9110 §9.3.6: a 2xx answer to CONNECT has no body; the tunnel starts after the head.
      this.reusable = false
      this.tunnel = true
      noBody = true
    }
    const hint = head.get('keep-alive')
    if (hint !== undefined) {
      const m = /timeout\s*=\s*(\d+)/i.exec(hint)
      if (m !== null) this.serverIdleHint = Number(m[1]) * 1000
    }
    this.armTimeout(this.paused ? 0 : this.bodyTimeout)
    this.handler.onHead(head)
    return noBody
  }

  private handleComplete(): void {
    if (this.interim) {
      this.interim = false
      return
    }
    if (this.handler === null) return
    // The parser halted at the end of this response: bytes after it are not another one's.
    this.done = true
    if (!this.executing) this.finish(EMPTY)
  }

  /** Ends the exchange once the parser has returned; `rest` are bytes after the response. */
  private finish(rest: Buffer): void {
    const handler = this.handler
    this.done = false
    if (handler === null) return
    this.handler = null
    this.phase = 'idle'
    this.completed++
    this.clearDeadline()
    if (this.parser.upgraded || this.tunnel) {
      // The socket now carries another protocol: stop reading it but keep owning it.
      this.closed = true
      this.detached = true
      this.stopReading()
      handOverReading(this.socket, rest)
      handler.onEnd(this.trailers)
      return
    }
    // Extra bytes after a complete response: the framing cannot be trusted, do not reuse.
    if (this.writing || !isLineBreaks(rest)) this.reusable = false
    if (!this.reusable) {
      this.closed = true
      this.socket.destroy()
      handler.onEnd(this.trailers)
      return
    }
    this.parser.resume()
    this.armTimeout(this.idleTimeout)
    handler.onEnd(this.trailers)
    if (!this.closed && this.handler === null) this.onRelease?.(this)
  }

  /** Stops parsing the socket (upgrade, tunnel): the 'error' and 'close' listeners stay. */
  private stopReading(): void {
    const socket = this.socket
    socket.off('data', this.onData)
    socket.off('end', this.onEnd)
    socket.off('timeout', this.onTimeout)
    this.armTimeout(0)
    this.clearDeadline()
  }

  private handleEnd(): void {
    if (this.handler !== null) {
      try {
        this.parser.finish()
      } catch (err) {
        const e = err as PorticoError
        this.fail(e.code ?? 'PORTICO_ERR_CONNECTION_CLOSED', e.message, err)
        return
      }
      if (this.handler !== null) {
        this.fail('PORTICO_ERR_CONNECTION_CLOSED', 'The server closed the connection before the response was complete')
      }
    }
    this.closed = true
    this.socket.destroy()
  }

  private handleTimeout(): void {
    if (this.phase === 'idle') {
      this.closed = true
      this.socket.destroy()
    } else if (this.phase === 'headers') {
      this.fail('PORTICO_ERR_HEADERS_TIMEOUT', `No response head: the request stalled for ${this.headersTimeout} ms`)
    } else if (!this.paused) {
      this.fail('PORTICO_ERR_BODY_TIMEOUT', `The response body stalled for ${this.bodyTimeout} ms`)
    }
  }

  private handleClose(): void {
    this.closed = true
    this.clearDeadline()
    if (this.handler !== null) {
      this.fail('PORTICO_ERR_CONNECTION_CLOSED', 'The connection closed before the response was complete')
    }
    const onClose = this.onClose
    this.onClose = null
    onClose?.(this)
  }

  private fail(code: ErrorCode | string, message: string, cause?: unknown): void {
    this.closed = true
    this.clearDeadline()
    this.socket.destroy()
    const handler = this.handler
    if (handler === null) return
    this.handler = null
    this.done = false
    this.phase = 'idle'
    // A socket error's own code (ECONNRESET, ERR_OUT_OF_RANGE, …) is not a registry code.
    const known = Object.hasOwn(ERRORS, code) ? (code as ErrorCode) : 'PORTICO_ERR_CONNECTION_CLOSED'
    const err = cause instanceof PorticoError ? cause : new PorticoError(known, message, { cause })
    handler.onError(err, { responseStarted: this.responseStarted, reused: this.completed > 0 })
  }
}

/**
 * Leaves `socket` for its next reader after a protocol switch: `rest` (bytes read past the head)
 * back at the front of its buffer, and the stream neither flowing nor paused, so that nothing
 * is emitted to no listener in the meantime and a new `'data'` listener starts the flow.
 */
function handOverReading(socket: Socket, rest: Buffer): void {
  // As node:http before 'upgrade'; the typings call the property read-only, Readable sets it.
  ;(socket as { readableFlowing: boolean | null }).readableFlowing = null
  if (rest.length > 0) socket.unshift(rest)
}

/** Whether `rest` holds only CR/LF (a stray line break some servers add after a body). */
function isLineBreaks(rest: Buffer): boolean {
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] !== 0x0d && rest[i] !== 0x0a) return false
  }
  return true
}
