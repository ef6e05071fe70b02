/**
 * Helpers of {@link HTTPClient}: the request head it writes, the response it buffers, header
 * lines and dictionaries, and which {@link Status} an error means.
 * @module
 */
import { PorticoError } from '../errors.js'
import { validateHeaderName, validateHeaderValue, writeRequestHead } from '../http1/head-writer.js'
import type { ResponseHead } from '../http1/types.js'
import { Status } from './status.js'

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

/** A response being received: its head and the body bytes not read yet. */
export interface LiveResponse {
  head: ResponseHead
  chunks: Buffer[]
  size: number
  complete: boolean
}

/** A host and a port. */
export interface HostPort {
  host: string
  port: number
}

/**
 * Splits `"Name: value"` lines into a flat `[name, value, …]` list (value trimmed).
 *
 * @example
 * ```ts
 * splitHeaderLines(['Accept: text/html', 'X-A:1']) // ['Accept', 'text/html', 'X-A', '1']
 * ```
 */
export function splitHeaderLines(lines: readonly string[]): string[] {
  const out: string[] = []
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new PorticoError('PORTICO_ERR_INVALID_HEADER_INPUT', `Header line without a name: ${JSON.stringify(line)}`)
    out.push(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  return out
}

/**
 * The {@link Status} an error of opening or using a connection leads to.
 *
 * @example
 * ```ts
 * statusForError(new PorticoError('PORTICO_ERR_CANT_RESOLVE')) // Status.CANT_RESOLVE
 * ```
 */
export function statusForError(err: Error): Status {
  const code = err instanceof PorticoError ? err.code : undefined
  switch (code) {
    case 'PORTICO_ERR_CANT_RESOLVE':
      return Status.CANT_RESOLVE
    case 'PORTICO_ERR_CANT_CONNECT':
    case 'PORTICO_ERR_CONNECT_TIMEOUT':
    case 'PORTICO_ERR_PROXY_TUNNEL':
      return Status.CANT_CONNECT
    case 'PORTICO_ERR_TLS_HANDSHAKE':
      return Status.TLS_HANDSHAKE_ERROR
    default:
      return Status.CONNECTION_ERROR
  }
}

/**
 * The request head the seed's client sends: the caller's headers (validated) plus `Host`,
 * `User-Agent`, `Accept` and `Content-Length` when missing; an origin-form `url` becomes the
 * absolute form when `absoluteForm` (plain HTTP through a proxy).
 *
 * @example
 * ```ts
 * buildRequestHead('example.com', 80, false, false, 'GET', '/', [], new Uint8Array(0))
 * ```
 */
export function buildRequestHead(
  host: string,
  port: number,
  tls: boolean,
  absoluteForm: boolean,
  method: string,
  url: string,
  headers: readonly string[],
  body: Uint8Array,
): string {
  const names = new Set<string>()
  for (let i = 0; i < headers.length; i += 2) {
    validateHeaderName(headers[i])
    validateHeaderValue(headers[i], headers[i + 1])
    names.add(headers[i].toLowerCase())
  }
  const hostName = host.includes(':') ? `[${host}]` : host
  const authority = port === (tls ? 443 : 80) ? hostName : `${hostName}:${port}`
  const list: string[] = []
  if (!names.has('host')) list.push('Host', authority)
  list.push(...headers)
  if (!names.has('user-agent')) list.push('User-Agent', 'Portico/0.1')
  if (!names.has('accept')) list.push('Accept', '*/*')
  if ((body.length > 0 || BODY_METHODS.has(method)) && !names.has('content-length') && !names.has('transfer-encoding')) {
    list.push('Content-Length', String(body.length))
  }
  const target = absoluteForm && url.startsWith('/') ? `http://${authority}${url}` : url
  return writeRequestHead(method, target, list)
}

/**
 * Takes up to `max` buffered body bytes out of `r`.
 *
 * @example
 * ```ts
 * const piece = takeBody(response, 65536)
 * ```
 */
export function takeBody(r: LiveResponse, max: number): Buffer {
  let out: Buffer
  if (r.size <= max) {
    out = r.chunks.length === 1 ? r.chunks[0] : Buffer.concat(r.chunks, r.size)
    r.chunks = []
  } else {
    const parts: Buffer[] = []
    let left = max
    while (left > 0) {
      const c = r.chunks[0]
      if (c.length <= left) {
        parts.push(c)
        r.chunks.shift()
        left -= c.length
      } else {
        parts.push(c.subarray(0, left))
        r.chunks[0] = c.subarray(left)
        left = 0
      }
    }
    out = Buffer.concat(parts)
  }
  r.size -= out.length
  return out
}

/**
 * `"Name: value"` lines from a flat header list.
 *
 * @example
 * ```ts
 * headerLines(['A', '1']) // ['A: 1']
 * ```
 */
export function headerLines(raw: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) out.push(raw[i] + ': ' + raw[i + 1])
  return out
}

/**
 * The seed's header dictionary: names as sent (case kept), repeated values joined with `"; "`.
 *
 * @example
 * ```ts
 * headerDictionary(['X', 'a', 'X', 'b']) // { X: 'a; b' }
 * ```
 */
export function headerDictionary(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < raw.length; i += 2) {
    const prev = Object.hasOwn(out, raw[i]) ? out[raw[i]] : undefined
    out[raw[i]] = prev === undefined ? raw[i + 1] : prev + '; ' + raw[i + 1]
  }
  return out
}
