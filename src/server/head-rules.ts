/**
 * Rules the server applies to a parsed request head on top of the parser, which stays
 * comparable with llhttp byte for byte (docs/conformance.md, "Rules the server adds on top of
 * the parser"): the `Host` field (RFC 9112 §3.2) and the transfer codings the server can
 * remove (RFC 9112 §6.1).
 * @module
 */
import { isIPv6 } from 'node:net'
import type { RequestHead } from '../http1/types.js'

/** `unreserved / sub-delims` of RFC 3986 §2.2–2.3: the characters of a `reg-name` besides `%XX`. */
const REG_NAME = new Uint8Array(128)
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=") REG_NAME[c.charCodeAt(0)] = 1

/**
 * The status that refuses `head` before any handler sees it, or 0 when it may be served:
 * - 400 for an HTTP/1.1 request without `Host`, any request with more than one `Host` field
 *   line, or a `Host` value that is not `uri-host [ ":" port ]` (RFC 9112 §3.2);
 * - 501 for a transfer coding other than `chunked` (`gzip, chunked`): the server removes only
 *   `chunked`, and a handler must not be given the coded bytes as the content (RFC 9112 §6.1).
 *
 * @example
 * ```ts
 * const status = headRefusal(head) // 0, 400 or 501
 * if (status !== 0) refuse(status)
 * ```
 */
export function headRefusal(head: RequestHead): number {
  const raw = head.rawHeaders
  const chunked = head.chunked
  let hosts = 0
  let host = ''
  let otherCoding = false
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]
    const n = name.length
    if (n === 4) {
      if (name === 'Host' || name.toLowerCase() === 'host') {
        hosts++
        host = raw[i + 1]
      }
    } else if (n === 17 && chunked && raw[i + 1] !== 'chunked' && name.toLowerCase() === 'transfer-encoding') {
      // The parser let only known codings through, with `chunked` last and once.
      if (!onlyChunked(raw[i + 1])) otherCoding = true
    }
  }
  if (hosts > 1 || (hosts === 0 && head.httpVersion === '1.1')) return 400
  if (hosts === 1 && !hostValueOk(host, head.url)) return 400
  return otherCoding ? 501 : 0
}

/**
 * Whether `value` is a valid `Host` field value (RFC 9112 §3.2, RFC 3986 §3.2.2–3.2.3):
 * `uri-host [ ":" port ]`, the host a non-empty `reg-name` (which covers an IPv4 address;
 * RFC 9110 §4.2.1 forbids an empty one) or an `IP-literal` in brackets, the port digits. The
 * whole value may be empty only when the request-target has no authority (origin-form or `*`).
 *
 * @example
 * ```ts
 * hostValueOk('example.com:8080', '/') // true
 * hostValueOk('a b', '/')              // false
 * ```
 */
export function hostValueOk(value: string, target: string): boolean {
  const len = value.length
  if (len === 0) return target.charCodeAt(0) === 0x2f || target === '*'
  let i = 0
  if (value.charCodeAt(0) === 0x5b) {
    const close = value.indexOf(']')
    if (close < 0 || !ipLiteralOk(value.slice(1, close))) return false
    i = close + 1
  } else {
    for (; i < len; i++) {
      const c = value.charCodeAt(i)
      if (c === 0x3a) break
      if (c < 128 && REG_NAME[c] === 1) continue
      if (c !== 0x25 || !isHex(value.charCodeAt(i + 1)) || !isHex(value.charCodeAt(i + 2))) return false
      i += 2
    }
    // RFC 9110 §4.2.1: an http(s) authority never has an empty host
    if (i === 0) return false
  }
  if (i === len) return true
  if (value.charCodeAt(i) !== 0x3a) return false
  for (i++; i < len; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false
  }
  return true
}

/** `IPv6address / IPvFuture` (RFC 3986 §3.2.2), the text between the brackets. */
function ipLiteralOk(text: string): boolean {
  const c0 = text.charCodeAt(0)
  if (c0 !== 0x76 && c0 !== 0x56) return /^[0-9A-Fa-f:.]+$/.test(text) && isIPv6(text)
  return /^[vV][0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/.test(text)
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)
}

/** A `Transfer-Encoding` value naming `chunked` only (list elements may be empty). */
function onlyChunked(value: string): boolean {
  for (const part of value.split(',')) {
    const coding = part.trim()
    if (coding.length > 0 && coding.toLowerCase() !== 'chunked') return false
  }
  return true
}
