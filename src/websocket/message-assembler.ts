/**
 * Turns data frames into messages (RFC 6455 §5.4, §5.6): joins fragments, inflates compressed
 * messages (RFC 7692 §7.2.2; parsing waits while zlib works, so messages keep their order) and
 * checks that text is UTF-8 (§8.1, else 1007).
 * @module
 */
import { Opcode } from './constants.js'
import type { DeflateCodec } from './deflate-codec.js'
import type { Frame } from './frame-parser.js'
import { isValidUtf8 } from './utf8.js'
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

  constructor(host: AssemblerHost, codec: DeflateCodec | undefined) {
    this.host = host
    this.codec = codec
  }

  /** Adds a data frame (Text, Binary or Continuation) already validated by the parser. */
  addFrame(frame: Frame): void {
    if (frame.opcode !== Opcode.Continuation) this.opcode = frame.opcode
    if (!frame.compressed || this.codec === undefined) {
      if (frame.payload.length > 0) this.add(frame.payload)
      if (frame.fin) this.complete()
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
      if (data.length > 0) this.add(data)
      if (frame.fin) this.complete()
      if (!inline) this.host.resumeParsing()
    })
    inline = false
    if (!finished) this.host.pauseParsing()
  }

  private add(data: Buffer): void {
    this.fragments.push(data)
    this.length += data.length
  }

  private complete(): void {
    const data = this.fragments.length === 1 ? this.fragments[0] : Buffer.concat(this.fragments, this.length)
    this.fragments = []
    this.length = 0
    if (this.opcode !== Opcode.Text) {
      this.host.deliver(data, true, data.length)
      return
    }
    // RFC 6455 §8.1: a text message that is not UTF-8 fails the connection with 1007.
    if (!isValidUtf8(data)) {
      this.host.fail(new WebSocketError('PORTICO_ERR_WS_INVALID_UTF8', 1007))
      return
    }
    this.host.deliver(data.toString('utf8'), false, data.length)
  }
}
