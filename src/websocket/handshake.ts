/**
 * The server side of the opening handshake (RFC 6455 §4.2): validates the client's request
 * (§4.2.1), selects a subprotocol and extensions, and writes the `101 Switching Protocols`
 * response (§4.2.2) or the refusal (400, 403, 426 with `Sec-WebSocket-Version: 13`).
 * Pure: request fields in, response bytes out.
 * @module
 */
import { createHash } from 'node:crypto'
import { writeResponseHead } from '../http1/head-writer.js'
import { hasToken } from '../http1/headers.js'
import { isPorticoError } from '../errors.js'
import { WS_GUID } from './constants.js'
import { acceptDeflateOffer, type DeflateParams, type PerMessageDeflateOptions } from './deflate-negotiation.js'
import { parseExtensions } from './extension-header.js'
import { parseSubprotocols, selectSubprotocol, type SubprotocolSelector } from './subprotocol.js'

/**
 * `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2, step 5.4).
 *
 * @example
 * ```ts
 * computeAccept('dGhlIHNhbXBsZSBub25jZQ==') // 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
 * ```
 */
export function computeAccept(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64')
}

/** The request fields the handshake reads, whatever server produced them. */
export interface HandshakeRequest {
  method: string
  /** `'1.1'`. */
  httpVersion: string
  /** A header's value (repeated fields joined with `, `), case-insensitive. */
  header(name: string): string | undefined
}

/** Allowed origins: a list, or a predicate over the `Origin` value (absent for non-browser clients). */
export type OriginCheck = readonly string[] | ((origin: string | undefined) => boolean)

/** What the server accepts in the opening handshake. */
export interface ServerHandshakeOptions {
  /** Subprotocols spoken, in order of preference, or a selector function. */
  protocols?: SubprotocolSelector
  /** Accepted origins (defends against cross-site WebSocket hijacking); others get 403. */
  origin?: OriginCheck
  /** Accept permessage-deflate (RFC 7692) offers. Default false. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions
  /** Extra response headers for the 101, flat `[name, value, …]` (validated by the caller). */
  headers?: readonly string[]
}

/** The outcome of {@link negotiateHandshake}. */
export type HandshakeResult =
  | { ok: true; protocol: string | undefined; deflate: DeflateParams | undefined; extensions: string; response: string }
  | { ok: false; status: number; message: string; response: string }

const KEY = /^[+/0-9A-Za-z]{21}[AQgw]==$/
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function refuse(status: number, message: string, headers: string[] = []): HandshakeResult {
  const body = message + '\n'
  const head = writeResponseHead(status, undefined, [
    ...headers,
    'Connection', 'close',
    'Content-Type', 'text/plain; charset=utf-8',
    'Content-Length', String(Buffer.byteLength(body)),
  ])
  return { ok: false, status, message, response: head + body }
}

function originAllowed(check: OriginCheck, origin: string | undefined): boolean {
  if (typeof check === 'function') return check(origin)
  return origin !== undefined && check.includes(origin)
}

/**
 * Checks a WebSocket upgrade request and prepares the answer: the `101` head to write (then
 * the socket speaks WebSocket) or a complete refusal response (then the socket closes).
 *
 * @example
 * ```ts
 * const result = negotiateHandshake({ method: 'GET', httpVersion: '1.1', header: (n) => req.headers[n.toLowerCase()] }, { protocols: ['chat'] })
 * socket.write(result.response, 'latin1')
 * ```
 */
export function negotiateHandshake(req: HandshakeRequest, options: ServerHandshakeOptions = {}): HandshakeResult {
  // §4.2.1 items 1–6, in order.
  if (req.method !== 'GET') return refuse(400, 'A WebSocket handshake must use GET')
  const [major, minor] = req.httpVersion.split('.').map(Number)
  if (!(major > 1 || (major === 1 && minor >= 1))) return refuse(400, 'A WebSocket handshake needs HTTP/1.1')
  if (req.header('host') === undefined) return refuse(400, 'Missing Host')
  const upgrade = req.header('upgrade')
  if (upgrade === undefined || !hasToken(upgrade, 'websocket')) {
    return refuse(426, 'Upgrade: websocket required', ['Upgrade', 'websocket', 'Sec-WebSocket-Version', '13'])
  }
  const connection = req.header('connection')
  if (connection === undefined || !hasToken(connection, 'upgrade')) return refuse(400, 'Connection: Upgrade required')
  // §4.4: an unsupported version gets 426 naming the versions the server speaks.
  if (req.header('sec-websocket-version') !== '13') {
    return refuse(426, 'Unsupported WebSocket version', ['Sec-WebSocket-Version', '13'])
  }
  const key = req.header('sec-websocket-key')?.trim()
  if (key === undefined || !KEY.test(key)) return refuse(400, 'Sec-WebSocket-Key must be 16 bytes in base64')
  if (options.origin !== undefined) {
    const origin = req.header('origin') ?? req.header('sec-websocket-origin')
    if (!originAllowed(options.origin, origin)) return refuse(403, 'Origin not allowed')
  }
  const offeredProtocols = parseSubprotocols(req.header('sec-websocket-protocol'))
  if (!offeredProtocols.every((p) => TOKEN.test(p))) return refuse(400, 'Malformed Sec-WebSocket-Protocol')
  const protocol = selectSubprotocol(options.protocols, offeredProtocols)

  let deflate: DeflateParams | undefined
  let extensions = ''
  const extensionField = req.header('sec-websocket-extensions')
  if (options.perMessageDeflate && extensionField !== undefined) {
    try {
      const accepted = acceptDeflateOffer(parseExtensions(extensionField), options.perMessageDeflate === true ? {} : options.perMessageDeflate)
      if (accepted !== undefined) {
        deflate = accepted.params
        extensions = accepted.header
      }
    } catch (err) {
      if (isPorticoError(err, 'PORTICO_ERR_WS_EXTENSION')) return refuse(400, 'Malformed Sec-WebSocket-Extensions')
      throw err
    }
  }
  const headers = ['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Accept', computeAccept(key)]
  if (protocol !== undefined) headers.push('Sec-WebSocket-Protocol', protocol)
  if (extensions !== '') headers.push('Sec-WebSocket-Extensions', extensions)
  if (options.headers !== undefined) headers.push(...options.headers)
  return { ok: true, protocol, deflate, extensions, response: writeResponseHead(101, undefined, headers) }
}
