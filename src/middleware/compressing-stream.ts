/**
 * A response stream that compresses what is written to it before it reaches the connection,
 * with backpressure from the socket through the compressor back to the writer.
 * @module
 */
import zlib, { type BrotliCompress, type Deflate, type Gzip } from 'node:zlib'
import type { ResponseStream } from '../server/response-stream.js'
import type { Coding } from './negotiate-encoding.js'

/** Compression levels. */
export interface CodingOptions {
  /** Brotli quality 0–11. Default 4 (fast, still better than gzip -6 on text). */
  readonly brotliQuality?: number
  /** gzip/deflate level 0–9. Default 6. */
  readonly level?: number
}

function brotliParams(options: CodingOptions, size?: number): zlib.BrotliOptions {
  const params: Record<number, number> = { [zlib.constants.BROTLI_PARAM_QUALITY]: options.brotliQuality ?? 4 }
  if (size !== undefined) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = size
  return { params }
}

/**
 * Compresses a whole body at once.
 *
 * @example
 * ```ts
 * compressSync('gzip', Buffer.from('hello hello hello'), {})
 * ```
 */
export function compressSync(coding: Coding, body: Uint8Array, options: CodingOptions): Buffer {
  if (coding === 'br') return zlib.brotliCompressSync(body, brotliParams(options, body.length))
  if (coding === 'gzip') return zlib.gzipSync(body, { level: options.level ?? 6 })
  return zlib.deflateSync(body, { level: options.level ?? 6 })
}

/**
 * Creates a streaming compressor for a coding.
 *
 * @example
 * ```ts
 * const z = createCompressor('br', { brotliQuality: 5 })
 * ```
 */
export function createCompressor(coding: Coding, options: CodingOptions): BrotliCompress | Gzip | Deflate {
  if (coding === 'br') return zlib.createBrotliCompress(brotliParams(options))
  if (coding === 'gzip') return zlib.createGzip({ level: options.level ?? 6 })
  return zlib.createDeflate({ level: options.level ?? 6 })
}

/** The flush that ends a burst without ending the stream nor resetting the dictionary. */
function syncFlushOf(coding: Coding): number {
  return coding === 'br' ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.Z_SYNC_FLUSH
}

/**
 * Wraps the connection's `ResponseStream`: `write` feeds the compressor (and returns `false`
 * when it is full), the compressor's output goes to the inner stream, and pauses while the
 * socket is full. `end` flushes the compressor then ends the inner stream.
 *
 * A body written bit by bit (NDJSON, streamed HTML) reaches the client as it goes: once per
 * turn of the event loop after writes (`setImmediate`), the compressor is sync-flushed
 * (`Z_SYNC_FLUSH`, `BROTLI_OPERATION_FLUSH`), so each burst of writes leaves at once while the
 * writes of one burst still compress together. While the compressor has a backlog (a fast
 * source, a slow client) its output flows anyway and the flush waits for it to drain.
 *
 * @example
 * ```ts
 * const out = new CompressingStream(res.openStream(), 'gzip', {})
 * out.write('lots of text'); out.end()
 * ```
 */
export class CompressingStream {
  private readonly z: BrotliCompress | Gzip | Deflate
  private readonly flushKind: number
  /** The flush scheduled after the current burst of writes. */
  private flushTimer: NodeJS.Immediate | undefined = undefined
  /** A flush waits for the compressor to drain its backlog. */
  private flushOnDrain = false

  constructor(
    private readonly inner: ResponseStream,
    coding: Coding,
    options: CodingOptions,
  ) {
    const z = createCompressor(coding, options)
    this.z = z
    this.flushKind = syncFlushOf(coding)
    z.on('data', (chunk: Buffer) => {
      if (!inner.write(chunk)) {
        z.pause()
        inner.onDrain(() => z.resume())
      }
    })
    z.on('end', () => inner.end())
    z.on('error', () => inner.destroy())
    inner.onClose(() => {
      this.cancelFlush()
      if (!z.writableFinished) z.destroy()
    })
  }

  /** The stream ended or the client went away. */
  get closed(): boolean {
    return this.inner.closed || this.z.writableEnded
  }

  /** Bytes waiting in the compressor and on the connection. */
  get writableLength(): number {
    return this.z.writableLength + this.z.readableLength + this.inner.writableLength
  }

  /** Compresses a piece of the body; `false` asks the caller to wait for `onDrain`. */
  write(chunk: string | Uint8Array): boolean {
    if (this.closed) return false
    const ok = this.z.write(chunk)
    if (this.flushTimer === undefined && !this.flushOnDrain) this.flushTimer = setImmediate(this.flushBurst)
    return ok
  }

  /** Sends what the compressor holds now (a sync point), for streams read as they come. */
  flush(): void {
    if (!this.closed) this.z.flush(this.flushKind)
  }

  /** Ends the body: the compressor's tail, then the end of the response. */
  end(): void {
    this.cancelFlush()
    if (!this.z.writableEnded) this.z.end()
  }

  /** Calls `cb` once the compressor can take more. */
  onDrain(cb: () => void): void {
    this.z.once('drain', cb)
  }

  /** Calls `cb` once, when the stream ends or the client disconnects. */
  onClose(cb: () => void): void {
    this.inner.onClose(cb)
  }

  /** Closes the connection at once. */
  destroy(): void {
    this.cancelFlush()
    this.z.destroy()
    this.inner.destroy()
  }

  /** The end of a burst of writes: flush, or wait for the backlog to drain first. */
  private readonly flushBurst = (): void => {
    this.flushTimer = undefined
    if (this.closed) return
    if (this.z.writableNeedDrain) {
      this.flushOnDrain = true
      this.z.once('drain', this.flushAfterDrain)
      return
    }
    this.z.flush(this.flushKind)
  }

  private readonly flushAfterDrain = (): void => {
    this.flushOnDrain = false
    // After the writes the drain lets through in this turn, if any.
    if (this.flushTimer === undefined && !this.closed) this.flushTimer = setImmediate(this.flushBurst)
  }

  private cancelFlush(): void {
    if (this.flushTimer !== undefined) clearImmediate(this.flushTimer)
    this.flushTimer = undefined
    if (this.flushOnDrain) this.z.off('drain', this.flushAfterDrain)
    this.flushOnDrain = false
  }
}
