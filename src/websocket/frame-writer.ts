/**
 * Frame encoding (RFC 6455 §5.2): the header (FIN, RSV1, opcode, MASK, the 7/16/64-bit payload
 * length, the masking key) and the payload, masked when the sender is a client (§5.3).
 * @module
 */
import { applyMask, randomMask } from './mask.js'

/** How to frame one payload. */
export interface FrameOptions {
  /** Last frame of the message (default true). */
  fin?: boolean
  /** RSV1: the message is compressed (first frame only; RFC 7692 §6). */
  rsv1?: boolean
  /** Mask with a fresh random key (a client's frames, RFC 6455 §5.3). */
  mask?: boolean
}

/** Payloads up to this size are copied behind the header into one buffer (one write, no writev). */
const COPY_LIMIT = 16 * 1024

/**
 * The length of a frame header for a payload of `length` bytes.
 *
 * @example
 * ```ts
 * frameHeaderLength(200, true) // 8: 2 + 2 (16-bit length) + 4 (masking key)
 * ```
 */
export function frameHeaderLength(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0)
}

function writeHeader(target: Buffer, opcode: number, length: number, fin: boolean, rsv1: boolean, masked: boolean): number {
  target[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode
  const maskBit = masked ? 0x80 : 0
  if (length < 126) {
    target[1] = maskBit | length
    return 2
  }
  if (length < 0x10000) {
    target[1] = maskBit | 126
    target.writeUInt16BE(length, 2)
    return 4
  }
  target[1] = maskBit | 127
  target.writeUInt32BE(Math.floor(length / 0x100000000), 2)
  target.writeUInt32BE(length >>> 0, 6)
  return 10
}

/**
 * Frames `payload`. Returns the buffers to write, in order: one buffer (header and payload
 * together) for masked frames and small payloads, else `[header, payload]` so a large payload
 * is never copied. The payload is never modified.
 *
 * @example
 * ```ts
 * socket.write(Buffer.concat(encodeFrame(Opcode.Text, Buffer.from('hi'))))
 * encodeFrame(Opcode.Ping, Buffer.alloc(0), { mask: true }) // a client's ping
 * ```
 */
export function encodeFrame(opcode: number, payload: Uint8Array, options: FrameOptions = {}): Buffer[] {
  const fin = options.fin ?? true
  const rsv1 = options.rsv1 ?? false
  const masked = options.mask ?? false
  const length = payload.length
  const headerLength = frameHeaderLength(length, masked)
  if (masked) {
    const frame = Buffer.allocUnsafe(headerLength + length)
    const offset = writeHeader(frame, opcode, length, fin, rsv1, true)
    const key = randomMask()
    frame[offset] = key[0]
    frame[offset + 1] = key[1]
    frame[offset + 2] = key[2]
    frame[offset + 3] = key[3]
    const maskKey = frame.subarray(offset, offset + 4)
    applyMask(payload, maskKey, frame, offset + 4, length)
    return [frame]
  }
  if (length <= COPY_LIMIT) {
    const frame = Buffer.allocUnsafe(headerLength + length)
    writeHeader(frame, opcode, length, fin, rsv1, false)
    frame.set(payload, headerLength)
    return [frame]
  }
  const header = Buffer.allocUnsafe(headerLength)
  writeHeader(header, opcode, length, fin, rsv1, false)
  return [header, Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)]
}

/**
 * Frames a whole text or binary message given as a string of `byteLength` UTF-8 bytes
 * (`Buffer.byteLength(text)`), encoding it straight into the frame: one buffer, no
 * intermediate copy. Masked with a fresh key when `mask` is set.
 *
 * @example
 * ```ts
 * socket.write(encodeStringFrame(Opcode.Text, 'héllo', Buffer.byteLength('héllo'), false))
 * ```
 */
export function encodeStringFrame(opcode: number, text: string, byteLength: number, mask: boolean): Buffer {
  const headerLength = frameHeaderLength(byteLength, mask)
  const frame = Buffer.allocUnsafe(headerLength + byteLength)
  const offset = writeHeader(frame, opcode, byteLength, true, false, mask)
  if (!mask) {
    writeText(frame, text, offset, byteLength)
    return frame
  }
  const key = randomMask()
  frame[offset] = key[0]
  frame[offset + 1] = key[1]
  frame[offset + 2] = key[2]
  frame[offset + 3] = key[3]
  const start = offset + 4
  writeText(frame, text, start, byteLength)
  applyMask(frame.subarray(start), frame.subarray(offset, start), frame, start, byteLength)
  return frame
}

declare global {
  interface Buffer {
    utf8Write(text: string, offset: number, length: number): number
  }
}

/** Writes `text` (`byteLength` UTF-8 bytes) at `offset`: a short ASCII string by a loop, cheaper than the native call. */
function writeText(target: Buffer, text: string, offset: number, byteLength: number): void {
  // As many bytes as UTF-16 units: every character is ASCII.
  if (byteLength === text.length && byteLength <= 64) {
    for (let i = 0; i < byteLength; i++) target[offset + i] = text.charCodeAt(i)
    return
  }
  target.utf8Write(text, offset, byteLength)
}
