/**
 * UTF-8 validation for text messages and close reasons (RFC 6455 §5.6, §8.1): a text message
 * that is not valid UTF-8 fails the connection with 1007. Uses `buffer.isUtf8` (Node ≥ 18.14),
 * falling back to a fatal `TextDecoder`.
 * @module
 */
import * as buffer from 'node:buffer'

const nativeIsUtf8: ((input: Uint8Array) => boolean) | undefined = (buffer as { isUtf8?: (input: Uint8Array) => boolean }).isUtf8
const fatalDecoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Whether `data` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
 *
 * @example
 * ```ts
 * isValidUtf8(Buffer.from('héllo'))        // true
 * isValidUtf8(Buffer.from([0xc0, 0x80]))   // false (overlong)
 * ```
 */
export function isValidUtf8(data: Uint8Array): boolean {
  if (data.length === 0) return true
  if (nativeIsUtf8 !== undefined) return nativeIsUtf8(data)
  try {
    fatalDecoder.decode(data)
    return true
  } catch {
    return false
  }
}
