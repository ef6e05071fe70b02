/**
 * `ResponseStream`: the body of a response whose length is not known in advance (SSE, large
 * or generated bodies). Writes go straight to the socket (chunk-framed on HTTP/1.1) and report
 * backpressure; a client disconnect is seen at once through `onClose`.
 * @module
 */
import { chunkHeader, lastChunk } from '../http1/chunked-encoder.js'
import type { PorticoResponse } from './response.js'

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

  /** @internal */
  constructor(
    private readonly res: PorticoResponse,
    private readonly chunked: boolean,
    private readonly noBody: boolean,
  ) {}

  /** The stream ended or the client went away. */
  get closed(): boolean {
    return this.isClosed || this.ended
  }

  /** Bytes written and not yet handed to the kernel. */
  get writableLength(): number {
    return this.res.sink.pendingBytes(this.res)
  }

  /** Writes a piece of the body; `false` asks the caller to wait for `onDrain`. */
  write(chunk: string | Uint8Array): boolean {
    if (this.closed) return false
    if (this.noBody) return true
    const sink = this.res.sink
    const len = typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length
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

  /** Ends the body (the last chunk on chunked framing). */
  end(): void {
    if (this.closed) return
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

  /** Closes the connection at once. */
  destroy(): void {
    this.res.sink.destroy()
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
