/**
 * Precomputed status lines and the small fixed answers the engine writes itself (errors
 * before a handler runs, `100 Continue`).
 * @module
 */
import { reasonPhrase } from '../http1/response-code.js'
import { httpDate } from '../http1/date-cache.js'

const LINES: string[] = []

/**
 * `'HTTP/1.1 200 OK\r\n'`, computed once per status.
 *
 * @example
 * ```ts
 * statusLine(404) // 'HTTP/1.1 404 Not Found\r\n'
 * ```
 */
export function statusLine(status: number): string {
  let line = LINES[status]
  if (line === undefined) {
    line = 'HTTP/1.1 ' + status + ' ' + (reasonPhrase(status) || 'Unknown') + '\r\n'
    if (status >= 100 && status < 1000) LINES[status] = line
  }
  return line
}

let cachedDateLine: string | undefined

/**
 * `'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n'` (RFC 9110 §6.6.1), computed once a second: an
 * unref'd timer drops it at the next second boundary (no clock read per response).
 *
 * @example
 * ```ts
 * head += dateLine()
 * ```
 */
export function dateLine(): string {
  if (cachedDateLine === undefined) {
    cachedDateLine = 'Date: ' + httpDate() + '\r\n'
    setTimeout(expireDate, 1000 - (Date.now() % 1000)).unref()
  }
  return cachedDateLine
}

function expireDate(): void {
  cachedDateLine = undefined
  PREFIXES.length = 0
}

/** Head prefixes by status, then by `Content-Type` value; dropped with the Date line. */
const PREFIXES: (Map<string, string> | undefined)[] = []
/** Content types kept per status (a handler may vary them per request; the rest is built). */
const MAX_TYPES = 16

/**
 * The head of the commonest response up to its length: status line, Date line, the one
 * `Content-Type` field and `Content-Length: ` (the caller appends the digits and the blank
 * line). Cached per status and type until the Date line changes.
 *
 * @example
 * ```ts
 * headPrefix(200, 'text/plain; charset=utf-8') + 13 + '\r\n\r\n' + 'Hello, World!'
 * ```
 */
export function headPrefix(status: number, contentType: string): string {
  const date = dateLine()
  let byType = PREFIXES[status]
  if (byType === undefined) {
    byType = new Map()
    if (status >= 100 && status < 1000) PREFIXES[status] = byType
  }
  let prefix = byType.get(contentType)
  if (prefix === undefined) {
    prefix = statusLine(status) + date + 'Content-Type: ' + contentType + '\r\nContent-Length: '
    if (byType.size < MAX_TYPES) byType.set(contentType, prefix)
  }
  return prefix
}

/**
 * `100 Continue` (RFC 9110 §10.1.1).
 *
 * @example
 * ```ts
 * socket.write(CONTINUE_LINE)
 * ```
 */
export const CONTINUE_LINE = 'HTTP/1.1 100 Continue\r\n\r\n'

/**
 * A complete short answer that closes the connection: `status` with its reason phrase as a
 * text body (the parser's limits, timeouts).
 *
 * @example
 * ```ts
 * socket.end(closingAnswer(431))
 * ```
 */
export function closingAnswer(status: number): string {
  const body = (reasonPhrase(status) || 'Error') + '\n'
  return (
    statusLine(status) +
    'Date: ' + httpDate() + '\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\nContent-Length: ' + body.length + '\r\nConnection: close\r\n\r\n' + body
  )
}

/**
 * Whether a status never has a body (RFC 9110 §6.4.1: 1xx, 204, 304).
 *
 * @example
 * ```ts
 * statusHasNoBody(204) // true
 * ```
 */
export function statusHasNoBody(status: number): boolean {
  return status < 200 || status === 204 || status === 304
}
