/**
 * Decoding of `Content-Encoding` (RFC 9110 §8.4.1): gzip, deflate (zlib or raw, as servers send
 * both) and br, in the reverse order they were applied.
 * @module
 */
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib'
import type { Transform } from 'node:stream'
import { PorticoError } from '../errors.js'
import { splitTokens } from '../http1/headers.js'

/** Where decoded bytes go. */
export interface DecodedSink {
  push(chunk: Buffer): void
  end(): void
  fail(err: Error): void
}

/**
 * Whether every coding in a `Content-Encoding` value is one Portico decodes.
 *
 * @example
 * ```ts
 * canDecode('gzip') // true
 * canDecode('zstd') // false
 * ```
 */
export function canDecode(contentEncoding: string): boolean {
  const codings = splitTokens(contentEncoding.toLowerCase())
  if (codings.length === 0) return false
  return codings.every((c) => c === 'gzip' || c === 'x-gzip' || c === 'deflate' || c === 'br' || c === 'identity')
}

/**
 * A writer that decodes `contentEncoding` into `sink`, or `null` when there is nothing to decode
 * (`identity` only). `write` returns `false` when the decoder is full (pause the source until
 * `onDrain`).
 *
 * @example
 * ```ts
 * const decoder = createDecoder('gzip', body)
 * socket.on('data', (c) => decoder?.write(c)); socket.on('end', () => decoder?.end())
 * ```
 */
export function createDecoder(contentEncoding: string, sink: DecodedSink): Decoder | null {
  const codings = decodingOrder(contentEncoding)
  return codings.length === 0 ? null : new Decoder(codings, sink)
}

/**
 * The codings of a `Content-Encoding` value in the order to undo them, without `identity`
 * (empty when there is nothing to decode).
 *
 * @example
 * ```ts
 * decodingOrder('gzip, br') // ['br', 'gzip']
 * decodingOrder('identity') // []
 * ```
 */
export function decodingOrder(contentEncoding: string): string[] {
  return splitTokens(contentEncoding.toLowerCase()).filter((c) => c !== 'identity').reverse()
}

/**
 * A chain of zlib streams fed by {@link Decoder.write}. Its output can be paused
 * ({@link Decoder.pause}): the chain then fills up and `write` returns `false`, which is how a
 * slow reader holds back the socket, however much the data inflates.
 *
 * @example
 * ```ts
 * const decoder = new Decoder(['gzip'], sink)
 * if (!decoder.write(chunk)) socket.pause()
 * decoder.onDrain = () => socket.resume()
 * ```
 */
export class Decoder {
  private readonly codings: string[]
  private readonly sink: DecodedSink
  private streams: Transform[] = []
  private failed = false
  private paused = false
  /** Called when the decoder can take more after `write` returned `false`. */
  onDrain: (() => void) | null = null

  /** `codings` in the order to undo them (the last applied first). */
  constructor(codings: string[], sink: DecodedSink) {
    if (codings.length === 0) throw new RangeError('Decoder needs at least one coding')
    this.codings = codings
    this.sink = sink
  }

  /** Feeds encoded bytes. */
  write(chunk: Buffer): boolean {
    if (this.failed) return true
    if (this.streams.length === 0) this.build(chunk)
    return this.streams[0].write(chunk)
  }

  /** Signals the end of the encoded bytes. */
  end(): void {
    if (this.failed) return
    // No bytes at all (204, 304, an empty body): nothing to decode, and zlib would call it truncated.
    if (this.streams.length === 0) this.sink.end()
    else this.streams[0].end()
  }

  /** Stops handing decoded bytes to the sink (the reader is behind). */
  pause(): void {
    this.paused = true
    this.streams[this.streams.length - 1]?.pause()
  }

  /** Hands decoded bytes to the sink again. */
  resume(): void {
    this.paused = false
    if (!this.failed) this.streams[this.streams.length - 1]?.resume()
  }

  /** Stops decoding (the body was cancelled or failed). */
  destroy(): void {
    this.failed = true
    this.onDrain = null
    for (const s of this.streams) s.destroy()
  }

  private build(firstChunk: Buffer): void {
    const streams = this.codings.map((coding, i) => decoderFor(coding, i === 0 ? firstChunk : undefined))
    for (let i = 0; i + 1 < streams.length; i++) streams[i].pipe(streams[i + 1])
    const last = streams[streams.length - 1]
    for (const s of streams) s.on('error', (err: Error) => this.fail(err))
    last.on('data', (c: Buffer) => {
      if (!this.failed) this.sink.push(c)
    })
    last.on('end', () => {
      if (!this.failed) this.sink.end()
    })
    if (this.paused) last.pause()
    this.streams = streams
    streams[0].on('drain', () => this.onDrain?.())
  }

  private fail(err: Error): void {
    if (this.failed) return
    this.destroy()
    this.sink.fail(new PorticoError('PORTICO_ERR_DECOMPRESS', `Cannot decode the body: ${err.message}`, { cause: err }))
  }
}

function decoderFor(coding: string, firstChunk: Buffer | undefined): Transform {
  if (coding === 'br') return createBrotliDecompress()
  if (coding === 'deflate') {
    // RFC 9110 says zlib format, but some servers send raw deflate: a zlib stream starts 0x?8.
    const zlibWrapped = firstChunk === undefined || firstChunk.length === 0 || (firstChunk[0] & 0x0f) === 8
    return zlibWrapped ? createInflate() : createInflateRaw()
  }
  return createGunzip()
}
