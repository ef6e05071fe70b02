/**
 * The bytes a hub message travels as between processes: a small header (origin, flags, id)
 * followed by the payload, built once per publish whatever the number of receivers.
 *
 * ```
 * byte 0      version (1)
 * byte 1      flags: bit 0 binary payload, bit 1 an id follows
 * byte 2      origin length n, then n bytes of origin (ASCII)
 * [u16 BE]    id length m, then m bytes of id (UTF-8)      (only with flag bit 1)
 * rest        the payload
 * ```
 * @module
 */

const VERSION = 1
const FLAG_BINARY = 1
const FLAG_ID = 2

/** A decoded frame. `payload` is a view into the frame's bytes, not a copy. */
export interface DecodedFrame {
  readonly origin: string
  readonly binary: boolean
  readonly id: string | undefined
  readonly payload: Buffer
}

/**
 * Builds the frame of one message (one allocation, the payload copied once).
 *
 * @example
 * ```ts
 * const frame = encodeFrame('a1b2', Buffer.from('hi'), false, '7')
 * decodeFrame(frame) // { origin: 'a1b2', binary: false, id: '7', payload: <hi> }
 * ```
 */
export function encodeFrame(origin: string, payload: Uint8Array, binary: boolean, id: string | undefined): Buffer {
  const originLength = Buffer.byteLength(origin, 'latin1')
  const idLength = id === undefined ? 0 : Buffer.byteLength(id, 'utf8')
  const headerLength = 3 + originLength + (id === undefined ? 0 : 2 + idLength)
  const frame = Buffer.allocUnsafe(headerLength + payload.length)
  frame[0] = VERSION
  frame[1] = (binary ? FLAG_BINARY : 0) | (id === undefined ? 0 : FLAG_ID)
  frame[2] = originLength
  let at = 3 + frame.write(origin, 3, 'latin1')
  if (id !== undefined) {
    frame.writeUInt16BE(idLength, at)
    at += 2
    at += frame.write(id, at, 'utf8')
  }
  frame.set(payload, at)
  return frame
}

/**
 * Reads a frame; `undefined` when the bytes are not a hub frame (another program publishing on
 * the same channel), which the hub then ignores.
 *
 * @example
 * ```ts
 * const msg = decodeFrame(bytes)
 * if (msg !== undefined && msg.origin !== myOrigin) deliver(msg)
 * ```
 */
export function decodeFrame(frame: Buffer): DecodedFrame | undefined {
  if (frame.length < 3 || frame[0] !== VERSION) return undefined
  const flags = frame[1]
  const originEnd = 3 + frame[2]
  if (originEnd > frame.length) return undefined
  const origin = frame.toString('latin1', 3, originEnd)
  let at = originEnd
  let id: string | undefined
  if ((flags & FLAG_ID) !== 0) {
    if (at + 2 > frame.length) return undefined
    const idEnd = at + 2 + frame.readUInt16BE(at)
    if (idEnd > frame.length) return undefined
    id = frame.toString('utf8', at + 2, idEnd)
    at = idEnd
  }
  return { origin, binary: (flags & FLAG_BINARY) !== 0, id, payload: frame.subarray(at) }
}
