/**
 * `ResponseStream`: the body of a response whose length is not known in advance (SSE, large
 * or generated bodies). Writes go straight to the socket (chunk-framed on HTTP/1.1) and report
 * backpressure; a client disconnect is seen at once through `onClose`. A body framed by a
 * `Content-Length` the handler set is held to it (RFC 9112 §6.3): never a byte past it, and a
 * body ending short closes the connection (the peer sees a truncated message, not a desync).
 * @module
 */
import { chunkHeader, lastChunk } from '../http1/chunked-encoder.js'
import { PorticoError } from '../errors.js'
import type { PorticoResponse } from './response.js'

/**
 * The error of a response body that does not match the `Content-Length` the handler set
 * (or of a `Content-Length` that is not one non-negative integer). Status 500: it is the
 * server's fault, never the client's.
 *
 * @example
 * ```ts
 * throw lengthMismatch('Response body longer than its Content-Length (5)')
 * ```
 */
export function lengthMismatch(message: string): PorticoError {
  return new PorticoError('PORTICO_ERR_RESPONSE_LENGTH_MISMATCH', message)
}

/**
 * Options of `res.openStream()`.
 *
 * @example
 * ```ts
 * const out = res.openStream({ raw: true }) // no chunk framing; the connection closes after
 * ```
 */
export interface OpenStreamOptions {
  /** Write the bytes as they are (no chunk framing) and close the connection after. */
  raw?: boolean
}

/**
 * The public shape of a response body stream: what `res.openStream()` returns, and what a
 * body encoder's stream (see `BodyEncoding`) must offer in its place.
 *
 * @example
 * ```ts
 * const out: BodyStream = res.openStream()
 * out.write('a'); out.end()
 * ```
 */
export interface BodyStream {
  write(chunk: string | Uint8Array): boolean
  end(): void
  readonly writableLength: number
  readonly closed: boolean
  onDrain(cb: () => void): void
  onClose(cb: () => void): void
  destroy(): void
}

/**
 * A response body being written.
 *
 * @example
 * ```ts
 * const out = res.openStream()
 * if (!out.write(bigChunk)) out.onDrain(() => more())
 * out.onClose(() => clearInterval(timer))
 * ```
 */
export class ResponseStream implements BodyStream {
  private closeCallbacks: (() => void)[] = []
  private drainCallbacks: (() => void)[] = []
  private ended = false
  private isClosed = false
  /** The body was cut short of its length: the connection closes after the bytes queued. */
  private cut = false
  /** Bytes the declared `Content-Length` still allows; -1 when the body has no declared length. */
  private left: number

  /**
   * @internal `length`: the `Content-Length` the head declared, which the body must match
   * (-1 when the body is chunked or delimited by the connection's close)
   */
  constructor(
    private readonly res: PorticoResponse,
    private readonly chunked: boolean,
    private readonly noBody: boolean,
    private readonly length = -1,
  ) {
    this.left = length
  }

  /** The stream ended or the client went away. */
  get closed(): boolean {
    return this.isClosed || this.ended
  }

  /** Bytes written and not yet handed to the kernel. */
  get writableLength(): number {
    return this.res.sink.pendingBytes(this.res)
  }

  /**
   * Writes a piece of the body; `false` asks the caller to wait for `onDrain`. A piece that
   * would take the body past the `Content-Length` the handler set is not written at all: the
   * response is cut (the connection closes after the bytes already written) and the write
   * throws `PORTICO_ERR_RESPONSE_LENGTH_MISMATCH`.
   */
  write(chunk: string | Uint8Array): boolean {
    if (this.closed) return false
    if (this.noBody) return true
    const sink = this.res.sink
    const len = typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length
    if (this.left >= 0) {
      if (len > this.left) {
        this.cutShort()
        throw lengthMismatch(`Response body longer than its Content-Length (${this.length})`)
      }
      this.left -= len
    }
    this.res.bytesWritten += len
    if (!this.chunked) return sink.write(this.res, chunk, 'utf8')
    if (len === 0) return true
    if (typeof chunk === 'string' && len === chunk.length) return sink.write(this.res, chunkHeader(len) + chunk + '\r\n', 'latin1')
    const head = chunkHeader(len)
    const out = Buffer.allocUnsafe(head.length + len + 2)
    out.write(head, 0, 'latin1')
    if (typeof chunk === 'string') out.write(chunk, head.length, 'utf8')
    else out.set(chunk, head.length)
    out[out.length - 2] = 13
    out[out.length - 1] = 10
    return sink.write(this.res, out, 'latin1')
  }

  /**
   * Ends the body (the last chunk on chunked framing). A body short of the `Content-Length`
   * the handler set is cut instead: the connection closes after the bytes written (the peer
   * sees a truncated message) and `end()` throws `PORTICO_ERR_RESPONSE_LENGTH_MISMATCH`.
   */
  end(): void {
    if (this.closed) return
    if (this.left > 0 && !this.noBody) {
      const left = this.left
      this.cutShort()
      throw lengthMismatch(`Response body ${left} bytes short of its Content-Length (${this.length})`)
    }
    if (this.chunked && !this.noBody) this.res.sink.write(this.res, lastChunk(), 'latin1')
    this.ended = true
    this.res.complete()
    this.fireClose()
  }

  /** Calls `cb` once the socket can take more. */
  onDrain(cb: () => void): void {
    this.drainCallbacks.push(cb)
  }

  /** Calls `cb` once, when the stream ends or the client disconnects. */
  onClose(cb: () => void): void {
    if (this.isClosed) queueMicrotask(cb)
    else this.closeCallbacks.push(cb)
  }

  /** Closes the connection at once (a body cut short already closes it after its bytes). */
  destroy(): void {
    if (!this.cut) this.res.sink.destroy()
    this.fireClose()
  }

  /**
   * Ends the response where it stands and closes the connection once its bytes are out: a
   * message the peer sees truncated (or, at the exact length, complete) and nothing after it.
   */
  private cutShort(): void {
    const res = this.res
    this.cut = true
    this.ended = true
    res.keepAlive = false
    res.aborted = true
    res.complete()
    this.fireClose()
  }

  /** @internal the connection drained */
  emitDrain(): void {
    const cbs = this.drainCallbacks
    if (cbs.length === 0) return
    this.drainCallbacks = []
    for (const cb of cbs) cb()
  }

  /** @internal the connection closed */
  fireClose(): void {
    if (this.isClosed) return
    this.isClosed = true
    const cbs = this.closeCallbacks
    this.closeCallbacks = []
    for (const cb of cbs) cb()
  }
}
