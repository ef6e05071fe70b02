/**
 * The permessage-deflate codec (RFC 7692 §7.2): compresses outgoing messages (DEFLATE with a
 * sync flush, the trailing `00 00 ff ff` removed) and inflates incoming ones (the trailer put
 * back), bounded by `maxPayload` so a compression bomb fails with 1009. A direction without
 * context takeover uses zlib's one-shot functions (synchronous, and shareable by broadcast);
 * with context takeover, a persistent zlib stream per direction.
 * @module
 */
import * as zlib from 'node:zlib'
import { DEFLATE_TRAILER } from './constants.js'
import type { DeflateParams } from './deflate-negotiation.js'
import { WebSocketError } from './ws-error.js'

/** Called with the result, synchronously when no zlib stream is involved. */
export type CodecCallback = (error: WebSocketError | null, data: Buffer) => void

/** Codec settings besides the negotiated parameters. */
export interface DeflateCodecOptions {
  level?: number
  memLevel?: number
  maxPayload: number
}

function stripTrailer(data: Buffer): Buffer {
  const n = data.length
  if (n >= 4 && data[n - 4] === 0 && data[n - 3] === 0 && data[n - 2] === 0xff && data[n - 1] === 0xff) return data.subarray(0, n - 4)
  return data
}

/**
 * Compresses one message without context (`*_no_context_takeover`), synchronously: what
 * broadcast uses to compress a message once for every subscriber with the same parameters.
 *
 * @example
 * ```ts
 * const payload = deflateMessage(Buffer.from('hello hello hello'), 15, 1, 8)
 * ```
 */
export function deflateMessage(data: Uint8Array, windowBits: number, level = 1, memLevel = 8): Buffer {
  const out = zlib.deflateRawSync(data, { level, memLevel, windowBits: Math.max(windowBits, 9), finishFlush: zlib.constants.Z_SYNC_FLUSH })
  return stripTrailer(out)
}

/**
 * One endpoint's compressor and decompressor.
 *
 * @example
 * ```ts
 * const codec = new DeflateCodec(params, 'server', { maxPayload: 1 << 20 })
 * codec.compress(Buffer.from('hi'), (err, data) => { ... })
 * ```
 */
export class DeflateCodec {
  readonly params: DeflateParams
  private readonly options: DeflateCodecOptions
  /** Our compressor keeps no context between messages. */
  readonly ownNoContext: boolean
  private readonly ownWindowBits: number
  private readonly peerNoContext: boolean
  private deflate: zlib.DeflateRaw | undefined
  private deflateChunks: Buffer[] = []
  private inflate: zlib.InflateRaw | undefined
  private inflateChunks: Buffer[] = []
  private inflateLength = 0
  private inflateError: WebSocketError | null = null
  private inflateCallback: ((error: WebSocketError | null) => void) | undefined
  /** Compressed fragments of a message being received without context takeover. */
  private pending: Buffer[] = []
  private pendingLength = 0

  constructor(params: DeflateParams, role: 'server' | 'client', options: DeflateCodecOptions) {
    this.params = params
    this.options = options
    const server = role === 'server'
    this.ownNoContext = server ? params.serverNoContextTakeover : params.clientNoContextTakeover
    this.peerNoContext = server ? params.clientNoContextTakeover : params.serverNoContextTakeover
    this.ownWindowBits = server ? params.serverMaxWindowBits : params.clientMaxWindowBits
  }

  /** The zlib level used (for broadcast to compress with the same settings). */
  get level(): number {
    return this.options.level ?? 1
  }

  /** The window our compressor uses. */
  get windowBits(): number {
    return this.ownWindowBits
  }

  /** Compresses one whole message. */
  compress(data: Uint8Array, callback: CodecCallback): void {
    if (this.ownNoContext) {
      callback(null, deflateMessage(data, this.ownWindowBits, this.level, this.options.memLevel ?? 8))
      return
    }
    if (this.deflate === undefined) {
      this.deflate = zlib.createDeflateRaw({ level: this.level, memLevel: this.options.memLevel ?? 8, windowBits: Math.max(this.ownWindowBits, 9) })
      this.deflate.on('data', (chunk: Buffer) => this.deflateChunks.push(chunk))
    }
    const deflate = this.deflate
    deflate.write(data)
    deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      const out = this.deflateChunks.length === 1 ? this.deflateChunks[0] : Buffer.concat(this.deflateChunks)
      this.deflateChunks = []
      callback(null, stripTrailer(out))
    })
  }

  /**
   * Inflates one frame's payload of a compressed message; with `fin`, the message is complete
   * and the callback receives the whole inflated message (else an empty buffer).
   */
  decompress(data: Buffer, fin: boolean, callback: CodecCallback): void {
    const max = this.options.maxPayload
    if (this.peerNoContext) {
      this.pending.push(data)
      this.pendingLength += data.length
      if (this.pendingLength > max) {
        callback(new WebSocketError('PORTICO_ERR_WS_MESSAGE_TOO_BIG', 1009, 'Compressed message larger than maxPayload'), data)
        return
      }
      if (!fin) {
        callback(null, Buffer.alloc(0))
        return
      }
      this.pending.push(DEFLATE_TRAILER)
      const input = Buffer.concat(this.pending)
      this.pending = []
      this.pendingLength = 0
      let out: Buffer
      try {
        out = zlib.inflateRawSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: max, windowBits: 15 })
      } catch (err) {
        callback(inflateFailure(err), input)
        return
      }
      callback(null, out)
      return
    }
    const inflate = this.inflateStream()
    this.inflateCallback = (error) => {
      if (error !== null) {
        callback(error, data)
        return
      }
      if (!fin) {
        callback(null, Buffer.alloc(0))
        return
      }
      const out = this.inflateChunks.length === 1 ? this.inflateChunks[0] : Buffer.concat(this.inflateChunks, this.inflateLength)
      this.inflateChunks = []
      this.inflateLength = 0
      callback(null, out)
    }
    inflate.write(data)
    if (fin) inflate.write(DEFLATE_TRAILER)
    inflate.flush(() => this.finishInflate())
  }

  /** Settles the pending inflate once, whether by flush or by error. */
  private finishInflate(): void {
    const cb = this.inflateCallback
    if (cb === undefined) return
    this.inflateCallback = undefined
    cb(this.inflateError)
  }

  private inflateStream(): zlib.InflateRaw {
    if (this.inflate !== undefined) return this.inflate
    const inflate = zlib.createInflateRaw({ windowBits: 15 })
    inflate.on('data', (chunk: Buffer) => {
      if (this.inflateError !== null) return
      this.inflateLength += chunk.length
      if (this.inflateLength > this.options.maxPayload) {
        // Stop inflating at once: a compression bomb must not cost the CPU to finish it.
        this.inflateError = new WebSocketError('PORTICO_ERR_WS_MESSAGE_TOO_BIG', 1009, 'Inflated message larger than maxPayload')
        this.inflateChunks = []
        this.inflate = undefined
        inflate.close()
        this.finishInflate()
        return
      }
      this.inflateChunks.push(chunk)
    })
    inflate.on('error', (err) => {
      this.inflateError ??= inflateFailure(err)
      this.finishInflate()
    })
    this.inflate = inflate
    return inflate
  }

  /** Releases the zlib streams. */
  close(): void {
    // A pending inflation reports nothing once closed (its flush callback still fires).
    this.inflateCallback = undefined
    this.deflate?.close()
    this.inflate?.close()
    this.deflate = undefined
    this.inflate = undefined
    this.deflateChunks = []
    this.inflateChunks = []
    this.pending = []
  }
}

function inflateFailure(err: unknown): WebSocketError {
  const code = (err as { code?: string }).code
  if (code === 'ERR_BUFFER_TOO_LARGE') {
    return new WebSocketError('PORTICO_ERR_WS_MESSAGE_TOO_BIG', 1009, 'Inflated message larger than maxPayload', { cause: err })
  }
  return new WebSocketError('PORTICO_ERR_WS_INVALID_COMPRESSED_DATA', 1007, 'Invalid compressed data', { cause: err })
}
