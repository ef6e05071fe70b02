/**
 * Turns data frames into messages (RFC 6455 §5.4, §5.6): joins fragments, inflates compressed
 * messages (RFC 7692 §7.2.2; parsing waits while zlib works, so messages keep their order) and
 * checks that text is UTF-8 (§8.1, else 1007): a message in one frame at once, a fragmented
 * one piece by piece as it arrives, so it fails at the first bad fragment.
 * @module
 */
import { Opcode } from './constants.js'
import type { DeflateCodec } from './deflate-codec.js'
import type { Frame } from './frame-parser.js'
import { isValidUtf8 } from './utf8.js'
import { Utf8Validator } from './utf8-validator.js'
import type { WebSocketMessage } from './websocket-options.js'
import { WebSocketError } from './ws-error.js'

/** What the assembler needs from its WebSocket. */
export interface AssemblerHost {
  /** A complete message. */
  deliver(message: WebSocketMessage, binary: boolean, bytes: number): void
  /** The connection must fail (1007 invalid UTF-8, 1009 too big, …). */
  fail(error: WebSocketError): void
  /** Stop parsing until {@link resumeParsing} (an inflation runs asynchronously). */
  pauseParsing(): void
  /** The asynchronous inflation is done. */
  resumeParsing(): void
}

/**
 * Reassembles the data frames of one connection.
 *
 * @example
 * ```ts
 * const assembler = new MessageAssembler(host, codec)
 * parser.onFrame = (frame) => frame.opcode < 8 && assembler.addFrame(frame)
 * ```
 */
export class MessageAssembler {
  private readonly host: AssemblerHost
  private readonly codec: DeflateCodec | undefined
  private fragments: Buffer[] = []
  private length = 0
  private opcode = 0
  /** Checks fragmented text as it arrives (created on the first fragmented text message). */
  private validator: Utf8Validator | undefined

  constructor(host: AssemblerHost, codec: DeflateCodec | undefined) {
    this.host = host
    this.codec = codec
  }

  /** Adds a data frame (Text, Binary or Continuation) already validated by the parser. */
  addFrame(frame: Frame): void {
    if (frame.opcode !== Opcode.Continuation) this.opcode = frame.opcode
    if (!frame.compressed || this.codec === undefined) {
      if (frame.fin && this.length === 0) this.completeWhole(frame.payload)
      else this.addPiece(frame.payload, frame.fin)
      return
    }
    // Inflation finishes synchronously without context takeover, later with a zlib stream.
    let inline = true
    let finished = false
    this.codec.decompress(frame.payload, frame.fin, (error, data) => {
      finished = true
      if (error !== null) {
        this.host.fail(error)
        return
      }
      if (frame.fin && this.length === 0) this.completeWhole(data)
      else this.addPiece(data, frame.fin)
      if (!inline) this.host.resumeParsing()
    })
    inline = false
    if (!finished) this.host.pauseParsing()
  }

  /** A piece of a message in several frames; text is checked as it arrives (§8.1, fail fast). */
  private addPiece(data: Buffer, fin: boolean): void {
    if (this.opcode === Opcode.Text && !(this.validator ??= new Utf8Validator()).push(data, fin)) {
      this.validator.reset()
      this.fragments = []
      this.length = 0
      this.host.fail(new WebSocketError('PORTICO_ERR_WS_INVALID_UTF8', 1007))
      return
    }
    if (data.length > 0) {
      this.fragments.push(data)
      this.length += data.length
    }
    if (!fin) return
    const whole = this.fragments.length === 1 ? this.fragments[0] : Buffer.concat(this.fragments, this.length)
    this.fragments = []
    this.length = 0
    if (this.opcode === Opcode.Text) this.host.deliver(whole.utf8Slice(0, whole.length), false, whole.length)
    else this.host.deliver(whole, true, whole.length)
  }

  /** A message in one frame (or the first piece of a message is its last). */
  private completeWhole(data: Buffer): void {
    if (this.opcode !== Opcode.Text) {
      this.host.deliver(data, true, data.length)
      return
    }
    const length = data.length
    if (isShortAscii(data)) {
      this.host.deliver(data.latin1Slice(0, length), false, length)
      return
    }
    // RFC 6455 §8.1: a text message that is not UTF-8 fails the connection with 1007.
    if (!isValidUtf8(data)) {
      this.host.fail(new WebSocketError('PORTICO_ERR_WS_INVALID_UTF8', 1007))
      return
    }
    this.host.deliver(data.utf8Slice(0, length), false, length)
  }
}

declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string
    utf8Slice(start: number, end: number): string
  }
}

/** Short messages of ASCII only (most chat and JSON) skip the native UTF-8 check: a loop is cheaper than the call. */
function isShortAscii(data: Buffer): boolean {
  const length = data.length
  if (length > 64) return false
  for (let i = 0; i < length; i++) if (data[i] > 0x7f) return false
  return true
}
