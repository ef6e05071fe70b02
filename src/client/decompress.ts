/**
 * Decoding of `Content-Encoding` (RFC 9110 §8.4.1): gzip, deflate (zlib or raw, as servers send
 * both) and br, in the reverse order they were applied.
 * @module
 */
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw, type Gunzip } from 'node:zlib'
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
 * A writer that decodes `contentEncoding` into `sink`. `write` returns `false` when the decoder
 * is full (pause the source until `onDrain`).
 *
 * @example
 * ```ts
 * const decoder = createDecoder('gzip', body)
 * socket.on('data', (c) => decoder.write(c)); socket.on('end', () => decoder.end())
 * ```
 */
export function createDecoder(contentEncoding: string, sink: DecodedSink): Decoder {
  const codings = splitTokens(contentEncoding.toLowerCase()).filter((c) => c !== 'identity').reverse()
  return new Decoder(codings, sink)
}

/**
 * A chain of zlib streams fed by {@link Decoder.write}.
 *
 * @example
 * ```ts
 * const decoder = createDecoder('gzip, br', sink)
 * if (!decoder.write(chunk)) socket.pause()
 * ```
 */
export class Decoder {
  private readonly codings: string[]
  private readonly sink: DecodedSink
  private first: Transform | null = null
  private failed = false
  /** Called when the decoder can take more after `write` returned `false`. */
  onDrain: (() => void) | null = null

  constructor(codings: string[], sink: DecodedSink) {
    this.codings = codings
    this.sink = sink
  }

  /** Feeds encoded bytes. */
  write(chunk: Buffer): boolean {
    if (this.failed) return true
    if (this.first === null) this.build(chunk)
    return (this.first as Transform).write(chunk)
  }

  /** Signals the end of the encoded bytes. */
  end(): void {
    if (this.failed) return
    // No bytes at all (204, 304, an empty body): nothing to decode, and zlib would call it truncated.
    if (this.first === null) this.sink.end()
    else this.first.end()
  }

  /** Stops decoding (the body was cancelled). */
  destroy(): void {
    this.failed = true
    this.first?.destroy()
  }

  private build(firstChunk: Buffer): void {
    const streams = this.codings.map((coding, i) => decoderFor(coding, i === 0 ? firstChunk : undefined))
    for (let i = 0; i + 1 < streams.length; i++) streams[i].pipe(streams[i + 1])
    const last = streams[streams.length - 1]
    for (const s of streams) s.on('error', (err: Error) => this.fail(err))
    last.on('data', (c: Buffer) => this.sink.push(c))
    last.on('end', () => this.sink.end())
    this.first = streams[0]
    this.first.on('drain', () => this.onDrain?.())
  }

  private fail(err: Error): void {
    if (this.failed) return
    this.failed = true
    this.sink.fail(new PorticoError('PORTICO_ERR_DECOMPRESS', `Cannot decode the body: ${err.message}`, { cause: err }))
  }
}

function decoderFor(coding: string, firstChunk: Buffer | undefined): Transform | Gunzip {
  if (coding === 'br') return createBrotliDecompress()
  if (coding === 'deflate') {
    // RFC 9110 says zlib format, but some servers send raw deflate: a zlib stream starts 0x?8.
    const zlibWrapped = firstChunk === undefined || firstChunk.length === 0 || (firstChunk[0] & 0x0f) === 8
    return zlibWrapped ? createInflate() : createInflateRaw()
  }
  return createGunzip()
}
