/**
 * The `Sec-WebSocket-Extensions` field (RFC 6455 §9.1):
 * ```
 * extension-list  = 1#extension
 * extension       = extension-token *( ";" extension-param )
 * extension-param = token [ "=" ( token | quoted-string ) ]
 * ```
 * Parsed into offers in order (a client may offer the same extension several times, each a
 * fallback for the previous one), and written back.
 * @module
 */
import { PorticoError } from '../errors.js'

/** One extension offer or response: its name and its parameters (`true` for a bare parameter). */
export interface ExtensionOffer {
  name: string
  params: Map<string, string | true>
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/

function isTokenChar(c: string): boolean {
  return TOKEN.test(c)
}

function fail(value: string, at: number): never {
  throw new PorticoError('PORTICO_ERR_WS_EXTENSION', `Malformed Sec-WebSocket-Extensions at offset ${at}: ${JSON.stringify(value)}`)
}

/**
 * Parses a `Sec-WebSocket-Extensions` value. Throws `PORTICO_ERR_WS_EXTENSION` when malformed
 * (the server then answers 400).
 *
 * @example
 * ```ts
 * parseExtensions('permessage-deflate; client_max_window_bits, x-foo')
 * // [{ name: 'permessage-deflate', params: Map { 'client_max_window_bits' => true } }, { name: 'x-foo', params: Map {} }]
 * ```
 */
export function parseExtensions(value: string): ExtensionOffer[] {
  const out: ExtensionOffer[] = []
  let i = 0
  const n = value.length
  const skipSpace = (): void => {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++
  }
  const readToken = (): string => {
    const start = i
    while (i < n && isTokenChar(value[i])) i++
    if (i === start) fail(value, i)
    return value.slice(start, i)
  }
  for (;;) {
    skipSpace()
    // Empty list elements are allowed by the #rule (RFC 9110 §5.6.1).
    if (i < n && value[i] === ',') {
      i++
      continue
    }
    if (i >= n) break
    const offer: ExtensionOffer = { name: readToken(), params: new Map() }
    skipSpace()
    while (i < n && value[i] === ';') {
      i++
      skipSpace()
      const key = readToken()
      skipSpace()
      let param: string | true = true
      if (i < n && value[i] === '=') {
        i++
        skipSpace()
        if (value[i] === '"') {
          i++
          let text = ''
          while (i < n && value[i] !== '"') {
            if (value[i] === '\\') i++
            if (i >= n) fail(value, i)
            text += value[i++]
          }
          if (i >= n) fail(value, i)
          i++
          // §9.1: a quoted value must still be a token once unquoted.
          if (text.length === 0 || ![...text].every(isTokenChar)) fail(value, i)
          param = text
        } else {
          param = readToken()
        }
        skipSpace()
      }
      if (offer.params.has(key)) fail(value, i)
      offer.params.set(key, param)
    }
    out.push(offer)
    skipSpace()
    if (i >= n) break
    if (value[i] !== ',') fail(value, i)
    i++
  }
  return out
}

/**
 * Writes one extension with its parameters.
 *
 * @example
 * ```ts
 * formatExtension('permessage-deflate', new Map([['server_no_context_takeover', true]]))
 * // 'permessage-deflate; server_no_context_takeover'
 * ```
 */
export function formatExtension(name: string, params: Map<string, string | number | true>): string {
  let out = name
  for (const [key, value] of params) out += value === true ? `; ${key}` : `; ${key}=${value}`
  return out
}
