/**
 * The field values that decide a message's framing and connection: `Connection` options
 * (RFC 9112 §9.3, RFC 9110 §7.6.1) and `Transfer-Encoding` codings (RFC 9112 §6.1, §6.3).
 * @module
 */
import type { ErrorCode } from '../errors.js'

/**
 * The options of a `Connection` value as bits: 1 `close`, 2 `keep-alive`, 4 `upgrade`
 * (case-insensitive, surrounding whitespace ignored).
 *
 * @example
 * ```ts
 * classifyConnection('keep-alive, Upgrade') // 6
 * ```
 */
export function classifyConnection(value: string): number {
  switch (value) {
    case 'keep-alive':
    case 'Keep-Alive':
      return 2
    case 'close':
    case 'Close':
      return 1
    case 'Upgrade':
    case 'upgrade':
      return 4
  }
  const len = value.length
  let bits = 0
  let start = 0
  for (let i = 0; i <= len; i++) {
    if (i < len && value.charCodeAt(i) !== 0x2c) continue
    let a = start
    let b = i
    while (a < b && isOws(value.charCodeAt(a))) a++
    while (b > a && isOws(value.charCodeAt(b - 1))) b--
    const n = b - a
    if (n === 5 || n === 7 || n === 10) {
      const token = value.slice(a, b).toLowerCase()
      if (token === 'close') bits |= 1
      else if (token === 'keep-alive') bits |= 2
      else if (token === 'upgrade') bits |= 4
    }
    start = i + 1
  }
  return bits
}

/** What {@link transferCodings} found. */
export interface CodingResult {
  /** The last coding is `chunked`. */
  chunked: boolean
  /** The error to raise, or `null`. */
  error: ErrorCode | null
  /** Section position of the error, or -1 for "at the end of the head". */
  errorAt: number
}

/** Transfer codings Portico lets through (RFC 9110 §8.4.1 registry, plus the x- aliases). */
const KNOWN = new Set(['chunked', 'gzip', 'deflate', 'compress', 'x-gzip', 'x-compress'])

/**
 * Reads every `Transfer-Encoding` field (indexes `fields` into flat `raw`; value positions in
 * `marks`). A request must end in `chunked`, once (RFC 9112 §6.3: otherwise 400) and use
 * codings Portico knows (RFC 9112 §6.1: otherwise 501). A response not ending in `chunked` is
 * read until close.
 *
 * @example
 * ```ts
 * transferCodings(['Transfer-Encoding', 'gzip, chunked'], [0], marks, true).chunked // true
 * ```
 */
export function transferCodings(raw: readonly string[], fields: readonly number[], marks: Int32Array, isRequest: boolean): CodingResult {
  let last = ''
  let chunkedSeen = false
  let unknown = false
  for (const n of fields) {
    const value = raw[2 * n + 1]
    const valueStart = marks[4 * n + 2]
    let start = 0
    for (let i = 0; i <= value.length; i++) {
      if (i < value.length && value.charCodeAt(i) !== 0x2c) continue
      let a = start
      let b = i
      while (a < b && isOws(value.charCodeAt(a))) a++
      while (b > a && isOws(value.charCodeAt(b - 1))) b--
      start = i + 1
      if (a === b) {
        if (i === value.length && value.length > 0) continue
        last = ''
        continue
      }
      const coding = value.slice(a, b).toLowerCase()
      // In a request nothing may follow `chunked` (RFC 9112 §6.3); reported where llhttp
      // reports it: after the comma, or one byte into the next field's value.
      if (isRequest && chunkedSeen) return { chunked: false, error: 'PORTICO_ERR_INVALID_TRANSFER_ENCODING', errorAt: valueStart + 1 }
      if (coding === 'chunked') {
        chunkedSeen = true
        if (isRequest && i < value.length) return { chunked: false, error: 'PORTICO_ERR_INVALID_TRANSFER_ENCODING', errorAt: valueStart + i + 1 }
      }
      else if (!KNOWN.has(coding)) unknown = true
      last = coding
    }
  }
  const chunked = last === 'chunked'
  if (!isRequest) return { chunked, error: null, errorAt: -1 }
  if (unknown) return { chunked: false, error: 'PORTICO_ERR_UNSUPPORTED_TRANSFER_CODING', errorAt: -1 }
  if (!chunked) return { chunked: false, error: 'PORTICO_ERR_INVALID_TRANSFER_ENCODING', errorAt: -1 }
  return { chunked: true, error: null, errorAt: -1 }
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09
}
