/**
 * The head of a `PorticoResponse` as text: its header fields (a flat `[name, value, …]`
 * list) and the fields the engine owns itself, `Content-Length`, `Transfer-Encoding`
 * (RFC 9112 §6.1–6.2) and `Connection` (RFC 9110 §7.6.1). `res.buildHead()` runs the head
 * hooks, then serializes the head here.
 * @module
 */
import type { PorticoResponse } from './response.js'
import { dateLine, headPrefix, statusHasNoBody, statusLine } from './status-line.js'

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
 * The head of `res` (status line to blank line) from its fields `headers`; `length` -1 when
 * unknown. A known length replaces any `Content-Length` the handler set, unless `keepLength`
 * (HEAD answered with no body); an unknown one is `chunked` or neither. Adds
 * `Connection: close` (or `keep-alive` on HTTP/1.0) unless the handler set a `Connection`
 * field (`userConnection`), and clears `res.keepAlive` when the connection cannot keep it.
 *
 * @example
 * ```ts
 * serializeHead(res, ['Content-Type', 'text/plain'], false, 5, false, false)
 * // 'HTTP/1.1 200 OK\r\nDate: …\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n'
 * ```
 */
export function serializeHead(res: PorticoResponse, headers: readonly string[], userConnection: boolean, length: number, chunked: boolean, keepLength: boolean): string {
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
  if (!userConnection) {
    if (!res.keepAlive) head += 'Connection: close\r\n'
    else if (res.req.httpVersion === '1.0') head += 'Connection: keep-alive\r\n'
  }
  return head + '\r\n'
}
