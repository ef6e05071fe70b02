/**
 * Writes message heads (RFC 9112 §3, §4, §5): the status line or request line, the header
 * lines, and the empty line, as one latin1 string ready for `socket.write(head, 'latin1')`.
 * The writers do not validate: callers validate user input with {@link validateHeaderName} and
 * {@link validateHeaderValue} when it is set, so the hot path does no scanning twice.
 * @module
 */
import { PorticoError } from '../errors.js'
import { FIELD_VALUE, TOKEN } from './char-tables.js'
import { reasonPhrase } from './response-code.js'

const STATUS_LINES = new Map<number, string>()

/**
 * The response head: `HTTP/1.1 <code> <reason>\r\n`, the header lines, and `\r\n`. Without a
 * `statusMessage`, the registered reason phrase is used.
 *
 * @example
 * ```ts
 * writeResponseHead(200, undefined, ['Content-Length', '2'])
 * // 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n'
 * ```
 */
export function writeResponseHead(statusCode: number, statusMessage: string | undefined, headers: readonly string[]): string {
  let head: string
  if (statusMessage === undefined) {
    let line = STATUS_LINES.get(statusCode)
    if (line === undefined) {
      line = 'HTTP/1.1 ' + statusCode + ' ' + reasonPhrase(statusCode) + '\r\n'
      if (STATUS_LINES.size < 1000) STATUS_LINES.set(statusCode, line)
    }
    head = line
  } else {
    head = 'HTTP/1.1 ' + statusCode + ' ' + statusMessage + '\r\n'
  }
  return appendFields(head, headers)
}

/**
 * The request head: `<method> <target> HTTP/1.1\r\n`, the header lines, and `\r\n`.
 *
 * @example
 * ```ts
 * writeRequestHead('GET', '/x', ['Host', 'example.com'])
 * // 'GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n'
 * ```
 */
export function writeRequestHead(method: string, target: string, headers: readonly string[]): string {
  return appendFields(method + ' ' + target + ' HTTP/1.1\r\n', headers)
}

function appendFields(head: string, headers: readonly string[]): string {
  for (let i = 0; i + 1 < headers.length; i += 2) head += headers[i] + ': ' + headers[i + 1] + '\r\n'
  return head + '\r\n'
}

/**
 * Throws `PORTICO_ERR_INVALID_REQUEST_METHOD` unless `method` is a token (RFC 9110 §9.1): a
 * method with a space or CRLF in it would write a second request onto the connection.
 *
 * @example
 * ```ts
 * validateMethod('PROPFIND')          // ok
 * validateMethod('GET / HTTP/1.1\r\n') // throws
 * ```
 */
export function validateMethod(method: string): void {
  let ok = typeof method === 'string' && method.length > 0
  for (let i = 0; ok && i < method.length; i++) {
    const c = method.charCodeAt(i)
    if (c > 0x7f || TOKEN[c] !== 1) ok = false
  }
  if (!ok) throw new PorticoError('PORTICO_ERR_INVALID_REQUEST_METHOD', `Invalid request method ${JSON.stringify(method)}`)
}

/**
 * Throws `PORTICO_ERR_INVALID_HEADER_INPUT` unless `name` is a token (RFC 9110 §5.1).
 *
 * @example
 * ```ts
 * validateHeaderName('X-Id')   // ok
 * validateHeaderName('X Id')   // throws
 * ```
 */
export function validateHeaderName(name: string): void {
  if (name.length === 0) throw new PorticoError('PORTICO_ERR_INVALID_HEADER_INPUT', 'Empty header name')
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c > 0x7f || TOKEN[c] !== 1) {
      throw new PorticoError('PORTICO_ERR_INVALID_HEADER_INPUT', `Invalid character in header name ${JSON.stringify(name)}`)
    }
  }
}

/**
 * Throws `PORTICO_ERR_INVALID_HEADER_INPUT` unless `value` is a valid field value
 * (RFC 9110 §5.5: no CR, LF, NUL or other controls, latin1 only). This is what stops header
 * injection through user-supplied values.
 *
 * @example
 * ```ts
 * validateHeaderValue('Location', '/next')       // ok
 * validateHeaderValue('Location', '/x\r\nSet-Cookie: a=b') // throws
 * ```
 */
export function validateHeaderValue(name: string, value: string): void {
  const len = value.length
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i)
    if (c > 0xff || FIELD_VALUE[c] !== 1) {
      throw new PorticoError('PORTICO_ERR_INVALID_HEADER_INPUT', `Invalid character in the value of header ${JSON.stringify(name)}`)
    }
  }
}
