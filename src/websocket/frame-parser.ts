/**
 * An incremental WebSocket frame parser (RFC 6455 §5.2): bytes in, in pieces of any size (one
 * byte at a time works), validated frames out. Pure: no sockets, no timers. It checks every
 * frame-level rule and the order of fragments (§5.4); message reassembly, inflation and UTF-8
 * are the caller's job.
 * @module
 */
import { Opcode } from './constants.js'
import { unmaskInPlace } from './mask.js'
import { WebSocketError, protocolError } from './ws-error.js'

/** A parsed, unmasked frame. */
export interface Frame {
  fin: boolean
  /** RSV1 of the message's first frame: the message is compressed (RFC 7692 §6). */
  compressed: boolean
  opcode: number
  /** The unmasked payload (owned by the receiver: it may be kept or modified). */
  payload: Buffer
}

/** What the parser enforces. */
export interface FrameParserOptions {
  /** `'server'` expects masked frames; `'client'` expects unmasked ones (RFC 6455 §5.1). */
  role: 'server' | 'client'
  /** Largest frame payload, and largest uncompressed message (compressed ones are bounded by the inflater). */
  maxPayload: number
  /** RSV1 is allowed on the first frame of a data message (permessage-deflate negotiated). */
  perMessageDeflate: boolean
}

const enum State {
  Head,
  Length16,
  Length64,
  MaskKey,
  Payload,
}

/**
 * Parses frames from a byte stream. Call {@link FrameParser.push} with every chunk;
 * `onFrame` is called synchronously for each complete frame. A protocol violation throws a
 * {@link WebSocketError} carrying the close code (1002 or 1009) and leaves the parser failed.
 *
 * @example
 * ```ts
 * const parser = new FrameParser({ role: 'client', maxPayload: 1 << 20, perMessageDeflate: false })
 * parser.onFrame = (frame) => console.log(frame.opcode, frame.payload.toString())
 * parser.push(Buffer.from([0x81, 0x02, 0x68, 0x69])) // 1 'hi'
 * ```
 */
export class FrameParser {
  /** Called for every frame. Call {@link pause} from inside it to stop parsing after this frame. */
  onFrame: (frame: Frame) => void = () => {}
  private readonly options: FrameParserOptions
  private chunks: Buffer[] = []
  private buffered = 0
  private state = State.Head
  private fin = false
  private rsv1 = false
  private opcode = 0
  private masked = false
  private payloadLength = 0
  private maskKey = Buffer.alloc(4)
  /** A fragmented data message is in progress (its opcode, 0 when none). */
  private messageOpcode = 0
  private messageCompressed = false
  private messageLength = 0
  private paused = false
  private failed = false

  constructor(options: FrameParserOptions) {
    this.options = options
  }

  /** Bytes received and not yet parsed. */
  get bufferedBytes(): number {
    return this.buffered
  }

  /** Nothing buffered and the next byte starts a frame. */
  get atFrameStart(): boolean {
    return this.state === State.Head && this.buffered === 0
  }

  /** Whether parsing is paused (see {@link pause}). */
  get isPaused(): boolean {
    return this.paused
  }

  /** Stops parsing after the current frame; bytes pushed meanwhile are kept. */
  pause(): void {
    this.paused = true
  }

  /** Resumes parsing the kept bytes. May throw as {@link push} does. */
  resume(): void {
    this.paused = false
    this.run()
  }

  /** Adds bytes and parses as many frames as they complete. */
  push(chunk: Buffer): void {
    if (this.failed) throw protocolError('Frame parser used after an error')
    if (chunk.length === 0) return
    let offset = 0
    if (this.buffered === 0 && this.state === State.Head && !this.paused) {
      offset = this.parseWhole(chunk)
      if (offset === chunk.length) return
    }
    this.chunks.push(offset === 0 ? chunk : chunk.subarray(offset))
    this.buffered += chunk.length - offset
    this.run()
  }

  /**
   * The fast path, when nothing is buffered: parses the frames that lie whole in `chunk`
   * straight from it (the payload a view of it, unmasked in place). Returns where the first
   * incomplete frame starts, for the incremental path.
   */
  private parseWhole(chunk: Buffer): number {
    const end = chunk.length
    let offset = 0
    try {
      while (!this.paused && end - offset >= 2) {
        this.readHeadBytes(chunk[offset], chunk[offset + 1])
        let at = offset + 2
        let length = this.payloadLength
        if (length === 126) {
          if (end - at < 2) break
          length = chunk.readUInt16BE(at)
          at += 2
        } else if (length === 127) {
          if (end - at < 8) break
          length = this.readLength64(chunk, at)
          at += 8
        }
        this.payloadLength = length
        this.afterLength()
        if (this.masked) {
          if (end - at < 4 + length) break
          const key = this.maskKey
          key[0] = chunk[at]
          key[1] = chunk[at + 1]
          key[2] = chunk[at + 2]
          key[3] = chunk[at + 3]
          at += 4
        } else if (end - at < length) {
          break
        }
        offset = at + length
        this.emit(length === 0 ? Buffer.alloc(0) : chunk.subarray(at, offset))
      }
    } catch (err) {
      this.failed = true
      throw err
    }
    // A head read but not its frame is read again by the incremental path.
    this.state = State.Head
    return offset
  }

  private run(): void {
    try {
      while (!this.paused && this.step()) {
        // each step consumed bytes or emitted a frame
      }
    } catch (err) {
      this.failed = true
      this.chunks = []
      this.buffered = 0
      throw err
    }
  }

  /** Advances one state; returns false when more bytes are needed. */
  private step(): boolean {
    switch (this.state) {
      case State.Head:
        return this.readHead()
      case State.Length16:
        if (this.buffered < 2) return false
        this.payloadLength = this.take(2).readUInt16BE(0)
        return this.afterLength()
      case State.Length64:
        if (this.buffered < 8) return false
        this.payloadLength = this.readLength64(this.take(8), 0)
        return this.afterLength()
      case State.MaskKey:
        if (this.buffered < 4) return false
        this.take(4).copy(this.maskKey)
        this.state = State.Payload
        return true
      case State.Payload:
        if (this.buffered < this.payloadLength) return false
        this.emit(this.payloadLength === 0 ? Buffer.alloc(0) : this.take(this.payloadLength))
        return true
    }
  }

  private readLength64(bytes: Buffer, at: number): number {
    const high = bytes.readUInt32BE(at)
    // §5.2: the most significant bit must be 0; beyond 2^53 - 1 we cannot count anyway.
    if ((high & 0x80000000) !== 0) throw protocolError('64-bit payload length with its most significant bit set')
    if (high > 0x1fffff) throw tooBig('Frame length beyond 2^53 - 1')
    return high * 0x100000000 + bytes.readUInt32BE(at + 4)
  }

  private readHead(): boolean {
    if (this.buffered < 2) return false
    const head = this.take(2)
    this.readHeadBytes(head[0], head[1])
    if (this.payloadLength === 126) this.state = State.Length16
    else if (this.payloadLength === 127) this.state = State.Length64
    else return this.afterLength()
    return true
  }

  /** Reads and checks the two fixed bytes of a frame header (§5.2). */
  private readHeadBytes(b0: number, b1: number): void {
    this.fin = (b0 & 0x80) !== 0
    this.rsv1 = (b0 & 0x40) !== 0
    this.opcode = b0 & 0x0f
    this.masked = (b1 & 0x80) !== 0
    this.payloadLength = b1 & 0x7f
    // §5.2: RSV2/RSV3 must be 0 unless an extension defines them (none here).
    if ((b0 & 0x30) !== 0) throw protocolError('RSV2 or RSV3 set without an extension defining it')
    const control = this.opcode >= 0x8
    if (control) {
      if (this.opcode > Opcode.Pong) throw protocolError(`Reserved control opcode 0x${this.opcode.toString(16)}`)
      // §5.5: control frames are not fragmented and carry at most 125 bytes.
      if (!this.fin) throw protocolError('Fragmented control frame')
      if (this.payloadLength > 125) throw protocolError('Control frame payload longer than 125 bytes')
      // RFC 7692 §6: RSV1 is for data messages only.
      if (this.rsv1) throw protocolError('RSV1 set on a control frame')
    } else if (this.opcode === Opcode.Continuation) {
      if (this.messageOpcode === 0) throw protocolError('Continuation frame without a message in progress')
      if (this.rsv1) throw protocolError('RSV1 set on a continuation frame')
    } else if (this.opcode === Opcode.Text || this.opcode === Opcode.Binary) {
      // §5.4: the fragments of one message are not interleaved with another message's.
      if (this.messageOpcode !== 0) throw protocolError('New data frame while a fragmented message is in progress')
      if (this.rsv1 && !this.options.perMessageDeflate) throw protocolError('RSV1 set without permessage-deflate')
    } else {
      throw protocolError(`Reserved data opcode 0x${this.opcode.toString(16)}`)
    }
    // §5.1: a server closes on an unmasked client frame; a client on a masked server frame.
    if (this.options.role === 'server' && !this.masked) throw protocolError('Unmasked frame from a client')
    if (this.options.role === 'client' && this.masked) throw protocolError('Masked frame from a server')
  }

  private afterLength(): boolean {
    const length = this.payloadLength
    if (length > this.options.maxPayload) throw tooBig(`Frame payload of ${length} bytes exceeds maxPayload`)
    if (this.opcode < 0x8) {
      const compressed = this.opcode === Opcode.Continuation ? this.messageCompressed : this.rsv1
      const total = (this.opcode === Opcode.Continuation ? this.messageLength : 0) + length
      if (!compressed && total > this.options.maxPayload) throw tooBig(`Message of ${total} bytes exceeds maxPayload`)
    }
    this.state = this.masked ? State.MaskKey : State.Payload
    return true
  }

  private emit(payload: Buffer): void {
    if (this.masked && payload.length > 0) unmaskInPlace(payload, this.maskKey)
    this.state = State.Head
    const opcode = this.opcode
    let compressed = false
    if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      compressed = this.rsv1
      if (this.fin) {
        this.messageOpcode = 0
      } else {
        this.messageOpcode = opcode
        this.messageCompressed = compressed
        this.messageLength = payload.length
      }
    } else if (opcode === Opcode.Continuation) {
      compressed = this.messageCompressed
      this.messageLength += payload.length
      if (this.fin) this.messageOpcode = 0
    }
    this.onFrame({ fin: this.fin, compressed, opcode, payload })
  }

  /** Removes and returns the next `n` buffered bytes (a view when they lie in one chunk). */
  private take(n: number): Buffer {
    this.buffered -= n
    const first = this.chunks[0]
    if (first.length > n) {
      this.chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    if (first.length === n) {
      this.chunks.shift()
      return first
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.chunks[0]
      const need = n - filled
      if (chunk.length > need) {
        chunk.copy(out, filled, 0, need)
        this.chunks[0] = chunk.subarray(need)
        filled = n
      } else {
        chunk.copy(out, filled)
        this.chunks.shift()
        filled += chunk.length
      }
    }
    return out
  }
}

function tooBig(message: string): WebSocketError {
  return new WebSocketError('PORTICO_ERR_WS_MESSAGE_TOO_BIG', 1009, message)
}

/**
 * The length of the frame starting at `chunk[offset]` (header and payload), or -1 when its
 * header is not all in `chunk`. Lets a reader see cheaply whether a chunk holds more than one
 * frame.
 *
 * @example
 * ```ts
 * frameLength(Buffer.from('818537fa213d7f9f4d5158', 'hex'), 0) // 11
 * ```
 */
export function frameLength(chunk: Buffer, offset: number): number {
  if (chunk.length - offset < 2) return -1
  const b1 = chunk[offset + 1]
  const mask = (b1 & 0x80) !== 0 ? 4 : 0
  const length = b1 & 0x7f
  if (length < 126) return 2 + mask + length
  if (length === 126) return chunk.length - offset < 4 ? -1 : 4 + mask + chunk.readUInt16BE(offset + 2)
  return chunk.length - offset < 10 ? -1 : 10 + mask + chunk.readUInt32BE(offset + 2) * 0x100000000 + chunk.readUInt32BE(offset + 6)
}
