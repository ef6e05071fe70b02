/**
 * Close frames (RFC 6455 §5.5.1, §7.4): the body is empty or a 2-byte status code followed by a
 * UTF-8 reason, 125 bytes in all. Which codes may appear on the wire (§7.4.1, §7.4.2) and which
 * an application may send.
 * @module
 */
import { PorticoError } from '../errors.js'
import { isValidUtf8 } from './utf8.js'
import { WebSocketError, protocolError } from './ws-error.js'

/** The longest reason that fits in a control frame: 125 - 2 bytes of code. */
export const MAX_CLOSE_REASON_BYTES = 123

/**
 * Whether a close code may be received on the wire: 1000–1003, 1007–1014 and 3000–4999.
 * 1004, 1005, 1006 and 1015 must never be sent (§7.4.1); 1016–2999 are reserved (§7.4.2).
 *
 * @example
 * ```ts
 * isValidWireCloseCode(1000) // true
 * isValidWireCloseCode(1005) // false
 * ```
 */
export function isValidWireCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
}

/**
 * Whether an application may send a close code: 1000, 3000–4999, and the 1001–1014 codes
 * that describe a condition an endpoint may report (not 1004–1006).
 *
 * @example
 * ```ts
 * isSendableCloseCode(4000) // true
 * ```
 */
export function isSendableCloseCode(code: number): boolean {
  return Number.isInteger(code) && isValidWireCloseCode(code)
}

/**
 * The body of a close frame: nothing when `code` is undefined, else the code and the reason.
 * Throws `PORTICO_ERR_WS_INVALID_CLOSE_CODE` for a code that may not be sent or a reason longer
 * than 123 bytes.
 *
 * @example
 * ```ts
 * encodeClosePayload(1000, 'bye') // <Buffer 03 e8 62 79 65>
 * ```
 */
export function encodeClosePayload(code: number | undefined, reason = ''): Buffer {
  if (code === undefined) {
    if (reason !== '') throw new PorticoError('PORTICO_ERR_WS_INVALID_CLOSE_CODE', 'A close reason needs a close code')
    return Buffer.alloc(0)
  }
  if (!isSendableCloseCode(code)) throw new PorticoError('PORTICO_ERR_WS_INVALID_CLOSE_CODE', `Close code ${code} may not be sent`)
  const length = Buffer.byteLength(reason)
  if (length > MAX_CLOSE_REASON_BYTES) {
    throw new PorticoError('PORTICO_ERR_WS_INVALID_CLOSE_CODE', `Close reason is ${length} bytes; at most ${MAX_CLOSE_REASON_BYTES}`)
  }
  const body = Buffer.allocUnsafe(2 + length)
  body.writeUInt16BE(code, 0)
  body.write(reason, 2)
  return body
}

/** A received close: `code` 1005 (no status) when the body was empty. */
export interface ReceivedClose {
  code: number
  reason: string
}

/**
 * Parses a received close body. A 1-byte body or a code not allowed on the wire → 1002; a
 * reason that is not UTF-8 → 1007 (RFC 6455 §5.5.1, §8.1).
 *
 * @example
 * ```ts
 * decodeClosePayload(Buffer.from([0x03, 0xe8])) // { code: 1000, reason: '' }
 * ```
 */
export function decodeClosePayload(body: Buffer): ReceivedClose {
  if (body.length === 0) return { code: 1005, reason: '' }
  if (body.length === 1) throw protocolError('A close frame body of 1 byte')
  const code = body.readUInt16BE(0)
  if (!isValidWireCloseCode(code)) throw protocolError(`Invalid close code ${code}`)
  const reasonBytes = body.subarray(2)
  if (!isValidUtf8(reasonBytes)) throw new WebSocketError('PORTICO_ERR_WS_INVALID_UTF8', 1007, 'Close reason is not valid UTF-8')
  return { code, reason: reasonBytes.toString('utf8') }
}
