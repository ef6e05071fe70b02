/**
 * The chunked transfer coding, writing side (RFC 9112 §7.1): chunk-size lines, the last chunk
 * and trailers.
 * @module
 */

/**
 * The CRLF that ends each chunk's data.
 *
 * @example
 * ```ts
 * socket.write(chunkHeader(data.length)); socket.write(data); socket.write(CHUNK_END)
 * ```
 */
export const CHUNK_END = '\r\n'

/**
 * The chunk-size line for a chunk of `length` bytes (hexadecimal, RFC 9112 §7.1).
 *
 * @example
 * ```ts
 * chunkHeader(26) // '1a\r\n'
 * ```
 */
export function chunkHeader(length: number): string {
  return length.toString(16) + '\r\n'
}

/**
 * The last chunk, the trailer section (flat `[name, value, …]`, already validated) and the final
 * CRLF (RFC 9112 §7.1.2).
 *
 * @example
 * ```ts
 * lastChunk()                          // '0\r\n\r\n'
 * lastChunk(['Server-Timing', 'x;dur=1']) // '0\r\nServer-Timing: x;dur=1\r\n\r\n'
 * ```
 */
export function lastChunk(trailers?: readonly string[]): string {
  if (trailers === undefined || trailers.length === 0) return '0\r\n\r\n'
  let out = '0\r\n'
  for (let i = 0; i + 1 < trailers.length; i += 2) out += trailers[i] + ': ' + trailers[i + 1] + '\r\n'
  return out + '\r\n'
}

/**
 * One whole chunk (size line, data, CRLF) as one buffer. An empty `data` gives an empty buffer,
 * since a zero-size chunk would end the body.
 *
 * @example
 * ```ts
 * encodeChunk(Buffer.from('hello')).toString() // '5\r\nhello\r\n'
 * ```
 */
export function encodeChunk(data: Buffer): Buffer {
  if (data.length === 0) return Buffer.alloc(0)
  const head = chunkHeader(data.length)
  const out = Buffer.allocUnsafe(head.length + data.length + 2)
  out.write(head, 0, 'latin1')
  data.copy(out, head.length)
  out[out.length - 2] = 13
  out[out.length - 1] = 10
  return out
}
