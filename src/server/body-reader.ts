/**
 * The body of one request, fed by the connection's parser and read by the handler either
 * whole (`bytes()`) or as an async iterable. Chunks are kept as the parser gives them (views
 * into the socket's buffers, no copy), except that small pieces after the first are copied
 * together while the body is buffered (a chunked body of 1-byte chunks must not cost a view
 * per byte, nor keep every socket read alive). While a streaming reader lags, the connection stops
 * reading the socket (backpressure). A body nobody reads (the handler settled without claiming it,
 * or its iterator was left early) is dropped: the rest is counted, not kept, and the socket is
 * read again; a reader that comes later is refused rather than given a truncated body.
 * @module
 */
import { PorticoError } from '../errors.js'

/** Bytes buffered for a streaming reader before the socket is paused. */
const HIGH_WATER = 64 * 1024
/** Pieces below this size are copied together while a body is buffered. */
const SMALL = 4 * 1024
/** Size of the first buffer small pieces are copied into (at least); each next one doubles, up to {@link SLAB_MAX}. */
const SLAB_MIN = 1024
const SLAB_MAX = 64 * 1024

/**
 * What the reader needs from its connection.
 *
 * @example
 * ```ts
 * const reader = new BodyReader(connection) // the connection is the BodySource
 * ```
 */
export interface BodySource {
  pauseForBody(): void
  resumeForBody(): void
}

/**
 * A request body in flight.
 *
 * @example
 * ```ts
 * for await (const chunk of req.body) total += chunk.length
 * ```
 */
export class BodyReader implements AsyncIterable<Buffer> {
  private chunks: Buffer[] = []
  /** Bytes buffered (in `chunks` and `slab`). */
  private size = 0
  /** Where small pieces are copied together; its first `slabUsed` bytes come after `chunks`. */
  private slab: Buffer | undefined = undefined
  private slabUsed = 0
  private received = 0
  private done = false
  private error: unknown = undefined
  private dropping = false
  /** Bytes were (or will be) thrown away: a late reader would see a truncated body. */
  private lost = false
  private waiter: (() => void) | undefined = undefined
  private claimed = false
  private paused = false
  /** Pause the socket when unread bytes pile up (a streaming reader, not `bytes()`). */
  streaming = false

  constructor(private readonly source: BodySource | undefined) {}

  /** Bytes received so far. */
  get receivedBytes(): number {
    return this.received
  }

  /** Whether a reader took the body. */
  get consumed(): boolean {
    return this.claimed
  }

  /** Called by the parser with a piece of the body. */
  push(chunk: Buffer): void {
    this.received += chunk.length
    if (this.dropping) return
    if (chunk.length < SMALL && !this.streaming && this.size > 0) this.copyIn(chunk)
    else {
      if (this.slab !== undefined) this.seal()
      this.chunks.push(chunk)
    }
    this.size += chunk.length
    if (this.streaming && this.size > HIGH_WATER && this.waiter === undefined && !this.paused && this.source !== undefined) {
      this.paused = true
      this.source.pauseForBody()
    }
    this.wake()
  }

  /** The body is complete. */
  finish(): void {
    this.done = true
    this.wake()
  }

  /** The body cannot complete (limit passed, connection closed). */
  fail(error: unknown): void {
    if (this.done) return
    this.error = error
    this.done = true
    this.chunks = []
    this.slab = undefined
    this.slabUsed = 0
    this.wake()
  }

  /** Counts the rest of the body without keeping it (nobody will read it). */
  drop(): void {
    if (this.size > 0 || !this.done) this.lost = true
    this.dropping = true
    this.chunks = []
    this.slab = undefined
    this.slabUsed = 0
    this.size = 0
    this.unpause()
  }

  /** The handler settled: a body nobody claimed is dropped (its socket is read again). */
  handlerDone(): void {
    if (!this.claimed && !this.dropping) this.drop()
  }

  /** The whole body, once complete. */
  async bytes(): Promise<Buffer> {
    this.claim()
    this.streaming = false
    this.unpause()
    while (!this.done) await new Promise<void>((resolve) => (this.waiter = resolve))
    if (this.error !== undefined) throw this.error
    if (this.slab !== undefined) this.seal()
    const out = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size)
    this.chunks = []
    this.size = 0
    return out
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.claim()
    this.streaming = true
    if (this.slab !== undefined) this.seal()
    try {
      for (;;) {
        if (this.chunks.length > 0) {
          const chunk = this.chunks.shift() as Buffer
          this.size -= chunk.length
          if (this.size <= HIGH_WATER / 2) this.unpause()
          yield chunk
          continue
        }
        if (this.error !== undefined) throw this.error
        if (this.done) return
        await new Promise<void>((resolve) => (this.waiter = resolve))
      }
    } finally {
      // Left early (`break`, `return()`, a throw in the loop): nobody reads the rest.
      if (!this.done) this.drop()
    }
  }

  /** @internal pieces held now (for tests: small pieces are copied together) */
  get heldPieces(): number {
    return this.chunks.length + (this.slab !== undefined ? 1 : 0)
  }

  /** Copies a small piece after the buffered ones. */
  private copyIn(chunk: Buffer): void {
    let slab = this.slab
    if (slab === undefined || slab.length - this.slabUsed < chunk.length) {
      const next = slab === undefined ? SLAB_MIN : Math.min(slab.length * 2, SLAB_MAX)
      if (slab !== undefined) this.seal()
      slab = Buffer.allocUnsafe(Math.max(next, 2 * chunk.length))
      this.slab = slab
    }
    slab.set(chunk, this.slabUsed)
    this.slabUsed += chunk.length
  }

  /** Moves the bytes copied so far into `chunks`. */
  private seal(): void {
    const slab = this.slab as Buffer
    this.chunks.push(slab.subarray(0, this.slabUsed))
    this.slab = undefined
    this.slabUsed = 0
  }

  private claim(): void {
    if (this.claimed) throw new PorticoError('PORTICO_ERR_BODY_CONSUMED')
    if (this.lost) throw new PorticoError('PORTICO_ERR_BODY_DISCARDED')
    this.claimed = true
  }

  private unpause(): void {
    if (!this.paused) return
    this.paused = false
    this.source?.resumeForBody()
  }

  private wake(): void {
    const w = this.waiter
    if (w !== undefined) {
      this.waiter = undefined
      w()
    }
  }
}

/**
 * The body of a request without one.
 *
 * @example
 * ```ts
 * await req.bytes() // EMPTY_BODY for a request without a body
 * ```
 */
export const EMPTY_BODY: Buffer = Buffer.alloc(0)
