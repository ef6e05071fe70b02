/**
 * The head of a `PorticoResponse` as text: its header fields (a flat `[name, value, …]`
 * list) and the fields the engine owns itself, `Content-Length`, `Transfer-Encoding`
 * (RFC 9112 §6.1–6.2) and `Connection` (RFC 9110 §7.6.1). `res.buildHead()` runs the head
 * hooks, then serializes the head here.
 * @module
 */
import type { PorticoResponse } from './response.js'
import { lengthMismatch } from './response-stream.js'
import { dateLine, headPrefix, statusHasNoBody, statusLine } from './status-line.js'

/**
 * What the handler's `Connection` fields say: 0 none set, 1 set without the `close` option,
 * 2 with it. The engine adds `Connection: close` whenever it closes and the fields do not say so.
 *
 * @example
 * ```ts
 * const userConnection: UserConnection = /\bclose\b/i.test(value) ? 2 : 1
 * ```
 */
export type UserConnection = 0 | 1 | 2

/**
 * The index of the first field named `name` (case-insensitive) in a flat `[name, value, …]`
 * list, searching from the even index `from`; -1 when there is none.
 *
 * @example
 * ```ts
 * findField(['Content-Type', 'text/plain', 'ETag', '"1"'], 'etag', 0) // 2
 * ```
 */
export function findField(headers: readonly string[], name: string, from: number): number {
  const n = name.length
  for (let i = from; i < headers.length; i += 2) {
    const k = headers[i]
    if (k.length === n && (k === name || k.toLowerCase() === name.toLowerCase())) return i
  }
  return -1
}

/**
 * The `Content-Length` the handler set for a body it streams (RFC 9110 §8.6): -1 when none;
 * throws `PORTICO_ERR_RESPONSE_LENGTH_MISMATCH` (status 500) unless every field holds the same
 * non-negative integer.
 *
 * @example
 * ```ts
 * declaredLength(['Content-Length', '5']) // 5
 * declaredLength(['Content-Type', 'text/plain']) // -1
 * ```
 */
export function declaredLength(headers: readonly string[]): number {
  let length = -1
  for (let i = findField(headers, 'content-length', 0); i >= 0; i = findField(headers, 'content-length', i + 2)) {
    const value = headers[i + 1].trim()
    if (!/^\d{1,15}$/.test(value) || (length >= 0 && Number(value) !== length)) {
      throw lengthMismatch(`Invalid Content-Length for a response body: ${JSON.stringify(headers[i + 1])}`)
    }
    length = Number(value)
  }
  return length
}

/**
 * The head of `res` (status line to blank line) from its fields `headers`; `length` -1 when
 * unknown. A known length replaces any `Content-Length` the handler set, unless `keepLength`
 * (HEAD answered with no body); an unknown one is `chunked` or neither. The handler never
 * sets `Transfer-Encoding` (`res.addHeader` drops it). Adds `Connection: close` when the
 * connection closes after this response and the handler's `Connection` fields
 * (`userConnection`) do not say so, `Connection: keep-alive` on HTTP/1.0 when it stays open
 * and the handler set none; clears `res.keepAlive` when the connection cannot keep it.
 *
 * @example
 * ```ts
 * serializeHead(res, ['Content-Type', 'text/plain'], 0, 5, false, false)
 * // 'HTTP/1.1 200 OK\r\nDate: …\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n'
 * ```
 */
export function serializeHead(res: PorticoResponse, headers: readonly string[], userConnection: UserConnection, length: number, chunked: boolean, keepLength: boolean): string {
  const status = res.statusCode
  // The commonest answer (a body of known length, its type the only field, keep-alive on
  // HTTP/1.1) from a cached prefix: no loop over the fields, no Connection field to add.
  if (length >= 0 && headers.length === 2 && headers[0] === 'Content-Type' && res.keepAlive && !res.req.server.stopping && res.req.head.httpVersion === '1.1' && !statusHasNoBody(status)) {
    return headPrefix(status, headers[1]) + length + '\r\n\r\n'
  }
  let head = statusLine(status) + dateLine()
  const ownLength = length >= 0 && !statusHasNoBody(status) && !(keepLength && findField(headers, 'content-length', 0) >= 0)
  for (let i = 0; i < headers.length; i += 2) {
    // the body's real length wins over the handler's: a wrong one would desync the connection
    if (ownLength && headers[i].length === 14 && headers[i].toLowerCase() === 'content-length') continue
    head += headers[i] + ': ' + headers[i + 1] + '\r\n'
  }
  if (ownLength) head += 'Content-Length: ' + length + '\r\n'
  else if (chunked) head += 'Transfer-Encoding: chunked\r\n'
  if (res.keepAlive && !res.sink.canKeepAlive(res)) res.keepAlive = false
  if (!res.keepAlive) {
    // RFC 9112 §9.6: a server that closes says so, whatever the handler's fields say
    if (userConnection !== 2) head += 'Connection: close\r\n'
  } else if (userConnection === 0 && res.req.httpVersion === '1.0') head += 'Connection: keep-alive\r\n'
  return head + '\r\n'
}
