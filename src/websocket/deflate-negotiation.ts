/**
 * permessage-deflate negotiation (RFC 7692 §5, §7.1): the client's offer, the server's choice
 * among the client's offers, and the client's check of the server's response. The result is a
 * {@link DeflateParams} both ends then follow.
 * @module
 */
import { PorticoError } from '../errors.js'
import { formatExtension, type ExtensionOffer } from './extension-header.js'

/** The extension's registered name. */
export const PERMESSAGE_DEFLATE = 'permessage-deflate'

/**
 * What an endpoint asks for, or insists on, when negotiating permessage-deflate.
 *
 * @example
 * ```ts
 * server.ws('/ws', handler, { perMessageDeflate: { serverNoContextTakeover: true, threshold: 256 } })
 * ```
 */
export interface PerMessageDeflateOptions {
  /** Server: reset the server's compressor after each message (and say so); client: ask for it. */
  serverNoContextTakeover?: boolean
  /** Server: require the client to reset its compressor per message; client: announce it does. */
  clientNoContextTakeover?: boolean
  /** The server's LZ77 window (8–15): a server's cap on its own window; a client's request. */
  serverMaxWindowBits?: number
  /** The client's LZ77 window (8–15): a server's cap (when the client allows one); a client's own. */
  clientMaxWindowBits?: number
  /** Messages shorter than this (bytes) are sent uncompressed. Default 1024. */
  threshold?: number
  /** zlib compression level (0–9). Default 1, the fastest that still compresses well. */
  level?: number
  /** zlib memLevel (1–9). Default 8. */
  memLevel?: number
}

/** The agreed parameters (RFC 7692 §7.1). */
export interface DeflateParams {
  serverNoContextTakeover: boolean
  clientNoContextTakeover: boolean
  serverMaxWindowBits: number
  clientMaxWindowBits: number
}

function windowBits(value: string | true | undefined, allowBare: boolean): number | true | undefined | null {
  if (value === undefined) return undefined
  if (value === true) return allowBare ? true : null
  if (!/^(?:[89]|1[0-5])$/.test(value)) return null
  return Number(value)
}

/**
 * A server's choice (RFC 7692 §7.1): the first acceptable permessage-deflate offer, giving the
 * parameters and the response field value; `undefined` declines (no offer, or none valid).
 *
 * @example
 * ```ts
 * acceptDeflateOffer(parseExtensions('permessage-deflate; client_max_window_bits'), { serverNoContextTakeover: true })
 * // { params: {...}, header: 'permessage-deflate; server_no_context_takeover' }
 * ```
 */
export function acceptDeflateOffer(
  offers: ExtensionOffer[],
  options: PerMessageDeflateOptions,
): { params: DeflateParams; header: string } | undefined {
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue
    const response = new Map<string, string | number | true>()
    let valid = true
    let serverBits: number | true | undefined | null
    let clientBits: number | true | undefined | null
    for (const [key, value] of offer.params) {
      if (key === 'server_no_context_takeover' || key === 'client_no_context_takeover') valid &&= value === true
      else if (key === 'server_max_window_bits') valid &&= (serverBits = windowBits(value, false)) !== null
      else if (key === 'client_max_window_bits') valid &&= (clientBits = windowBits(value, true)) !== null
      else valid = false // §7.1: an offer with an unknown parameter is declined
    }
    // zlib's raw deflate cannot use a 256-byte window (it silently uses 512): decline an offer
    // that limits the server to 8 bits rather than break the limit.
    if (!valid || serverBits === 8) continue
    const serverNoContext = options.serverNoContextTakeover === true || offer.params.has('server_no_context_takeover')
    const clientNoContext = options.clientNoContextTakeover === true || offer.params.has('client_no_context_takeover')
    if (serverNoContext) response.set('server_no_context_takeover', true)
    if (clientNoContext) response.set('client_no_context_takeover', true)
    let serverMax = 15
    const ownCap = options.serverMaxWindowBits === undefined ? undefined : Math.max(options.serverMaxWindowBits, 9)
    if (typeof serverBits === 'number') serverMax = Math.min(serverBits, ownCap ?? 15)
    else if (ownCap !== undefined) serverMax = ownCap
    if (typeof serverBits === 'number' || options.serverMaxWindowBits !== undefined) response.set('server_max_window_bits', serverMax)
    let clientMax = 15
    // §7.1.2.2: the server may limit the client's window only when the client said it can.
    if (typeof clientBits === 'number') {
      clientMax = Math.min(clientBits, options.clientMaxWindowBits ?? 15)
      response.set('client_max_window_bits', clientMax)
    } else if (clientBits === true && options.clientMaxWindowBits !== undefined) {
      clientMax = options.clientMaxWindowBits
      response.set('client_max_window_bits', clientMax)
    }
    const params: DeflateParams = {
      serverNoContextTakeover: serverNoContext,
      clientNoContextTakeover: clientNoContext,
      serverMaxWindowBits: serverMax,
      clientMaxWindowBits: clientMax,
    }
    return { params, header: formatExtension(PERMESSAGE_DEFLATE, response) }
  }
  return undefined
}

/**
 * A client's offer: one permessage-deflate offer from the options; `client_max_window_bits`
 * is always announced (bare unless a value is set) so the server may limit it.
 *
 * @example
 * ```ts
 * deflateOffer({}) // 'permessage-deflate; client_max_window_bits'
 * ```
 */
export function deflateOffer(options: PerMessageDeflateOptions): string {
  const params = new Map<string, string | number | true>()
  if (options.serverNoContextTakeover) params.set('server_no_context_takeover', true)
  if (options.clientNoContextTakeover) params.set('client_no_context_takeover', true)
  if (options.serverMaxWindowBits !== undefined) params.set('server_max_window_bits', options.serverMaxWindowBits)
  params.set('client_max_window_bits', options.clientMaxWindowBits === undefined ? true : Math.max(options.clientMaxWindowBits, 9))
  return formatExtension(PERMESSAGE_DEFLATE, params)
}

function refuse(message: string): never {
  throw new PorticoError('PORTICO_ERR_WS_EXTENSION', message)
}

/**
 * A client's check of the server's response (RFC 7692 §7.1): only permessage-deflate, once,
 * with valid parameters consistent with the offer. Throws `PORTICO_ERR_WS_EXTENSION` (the
 * client then fails the connection, RFC 6455 §4.1).
 *
 * @example
 * ```ts
 * const params = acceptDeflateResponse(parseExtensions(res.get('sec-websocket-extensions')), {})
 * ```
 */
export function acceptDeflateResponse(responses: ExtensionOffer[], options: PerMessageDeflateOptions): DeflateParams | undefined {
  if (responses.length === 0) return undefined
  if (responses.length > 1 || responses[0].name !== PERMESSAGE_DEFLATE) refuse('The server accepted an extension that was not offered')
  const params: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 }
  for (const [key, value] of responses[0].params) {
    if (key === 'server_no_context_takeover' && value === true) params.serverNoContextTakeover = true
    else if (key === 'client_no_context_takeover' && value === true) params.clientNoContextTakeover = true
    else if (key === 'server_max_window_bits') {
      const bits = windowBits(value, false)
      if (typeof bits !== 'number') refuse('Invalid server_max_window_bits in the response')
      if (options.serverMaxWindowBits !== undefined && bits > options.serverMaxWindowBits) refuse('server_max_window_bits above the offer')
      params.serverMaxWindowBits = bits
    } else if (key === 'client_max_window_bits') {
      const bits = windowBits(value, false)
      if (typeof bits !== 'number') refuse('Invalid client_max_window_bits in the response')
      if (bits === 8) refuse('client_max_window_bits=8 is not supported (zlib raw deflate needs 9 or more)')
      if (options.clientMaxWindowBits !== undefined && bits > options.clientMaxWindowBits) refuse('client_max_window_bits above the offer')
      params.clientMaxWindowBits = bits
    } else refuse(`Unexpected permessage-deflate parameter ${key}`)
  }
  if (options.serverNoContextTakeover && !params.serverNoContextTakeover) refuse('The server ignored server_no_context_takeover')
  if (options.clientMaxWindowBits !== undefined && params.clientMaxWindowBits > options.clientMaxWindowBits) {
    params.clientMaxWindowBits = options.clientMaxWindowBits
  }
  return params
}

/**
 * The `Sec-WebSocket-Extensions` value describing agreed parameters (for `ws.extensions`).
 *
 * @example
 * ```ts
 * describeDeflate(params) // 'permessage-deflate; server_no_context_takeover'
 * ```
 */
export function describeDeflate(params: DeflateParams): string {
  const map = new Map<string, number | true>()
  if (params.serverNoContextTakeover) map.set('server_no_context_takeover', true)
  if (params.clientNoContextTakeover) map.set('client_no_context_takeover', true)
  if (params.serverMaxWindowBits !== 15) map.set('server_max_window_bits', params.serverMaxWindowBits)
  if (params.clientMaxWindowBits !== 15) map.set('client_max_window_bits', params.clientMaxWindowBits)
  return formatExtension(PERMESSAGE_DEFLATE, map)
}
