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

/**
 * Wraps the connection's `ResponseStream`: `write` feeds the compressor (and returns `false`
 * when it is full), the compressor's output goes to the inner stream, and pauses while the
 * socket is full. `end` flushes the compressor then ends the inner stream.
 *
 * @example
 * ```ts
 * const out = new CompressingStream(res.openStream(), 'gzip', {})
 * out.write('lots of text'); out.end()
 * ```
 */
export class CompressingStream {
  private readonly z: BrotliCompress | Gzip | Deflate

  constructor(
    private readonly inner: ResponseStream,
    coding: Coding,
    options: CodingOptions,
  ) {
    const z = createCompressor(coding, options)
    this.z = z
    z.on('data', (chunk: Buffer) => {
      if (!inner.write(chunk)) {
        z.pause()
        inner.onDrain(() => z.resume())
      }
    })
    z.on('end', () => inner.end())
    z.on('error', () => inner.destroy())
    inner.onClose(() => {
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
    return this.z.write(chunk)
  }

  /** Sends what the compressor holds now (a sync point), for streams read as they come. */
  flush(): void {
    if (!this.closed) this.z.flush()
  }

  /** Ends the body: the compressor's tail, then the end of the response. */
  end(): void {
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
    this.z.destroy()
    this.inner.destroy()
  }
}
