/**
 * The WebSocket client (RFC 6455 §4.1): `connectWebSocket(url)` opens a TCP or TLS connection,
 * sends the opening handshake, checks the `101` response (accept key, subprotocol,
 * extensions) and resolves to a client-role {@link WebSocket}, which masks its frames.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import { openConnection } from '../client/connect.js'
import type { TLSOptions } from '../client/tls-options.js'
import { PorticoError } from '../errors.js'
import { hasToken } from '../http1/headers.js'
import { writeRequestHead, validateHeaderName, validateHeaderValue } from '../http1/head-writer.js'
import { ResponseParser } from '../http1/response-parser.js'
import type { ResponseHead } from '../http1/types.js'
import { acceptDeflateResponse, deflateOffer, describeDeflate, type DeflateParams, type PerMessageDeflateOptions } from './deflate-negotiation.js'
import { parseExtensions } from './extension-header.js'
import { computeAccept } from './handshake.js'
import { WebSocket } from './websocket.js'
import type { WebSocketBehaviour } from './websocket-options.js'

/**
 * Options of {@link connectWebSocket}.
 *
 * @example
 * ```ts
 * await connectWebSocket('wss://chat.example/ws', { protocols: ['chat'], headers: { Authorization: 'Bearer t' }, tls: TLSOptions.client(caPem) })
 * ```
 */
export interface WebSocketConnectOptions extends WebSocketBehaviour {
  /** Subprotocols to offer, in order of preference. */
  protocols?: string[]
  /** Extra request headers. */
  headers?: Record<string, string>
  /** Offer permessage-deflate (default true), with these parameters. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions
  /** Certificate checks for `wss:` (Portico's client `TLSOptions`). Default: Node's CAs. */
  tls?: TLSOptions
  /** An HTTP proxy (`http://[user:pass@]host:port`), reached with a `CONNECT` tunnel. */
  proxy?: string | URL
  /** The `Origin` header to send (browsers always send one; servers may check it). */
  origin?: string
  /** Milliseconds allowed for connecting and the handshake. Default 10000. */
  handshakeTimeout?: number
}

function fail(message: string, status?: number): PorticoError {
  return new PorticoError('PORTICO_ERR_WS_HANDSHAKE', message, status === undefined ? {} : { status })
}

/**
 * Opens a WebSocket connection to a `ws:` or `wss:` URL (RFC 6455 §4.1): connects (through
 * the proxy when one is given), sends the opening handshake, checks the `101` response and
 * resolves to a client-role {@link WebSocket}. Rejects with `PORTICO_ERR_WS_HANDSHAKE` (its
 * `status` is the server's answer when it refused), `PORTICO_ERR_WS_HANDSHAKE_TIMEOUT`,
 * `PORTICO_ERR_WS_INVALID_URL`, or the connection errors of `openConnection`.
 *
 * @example
 * ```ts
 * const ws = await connectWebSocket('ws://127.0.0.1:8080/chat', { protocols: ['chat'] })
 * await ws.send('hello')
 * console.log(await ws.receive())
 * await ws.close()
 * ```
 */
export async function connectWebSocket(url: string | URL, options: WebSocketConnectOptions = {}): Promise<WebSocket> {
  let target: URL
  try {
    target = new URL(url)
  } catch (err) {
    throw new PorticoError('PORTICO_ERR_WS_INVALID_URL', `Invalid URL ${String(url)}`, { cause: err })
  }
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(target.protocol)) throw new PorticoError('PORTICO_ERR_WS_INVALID_URL', `Unsupported scheme ${target.protocol}`)
  // RFC 6455 §3: fragment identifiers are meaningless in WebSocket URIs.
  if (target.hash !== '') throw new PorticoError('PORTICO_ERR_WS_INVALID_URL', 'A WebSocket URL has no fragment')
  const key = randomBytes(16).toString('base64')
  const deflateOptions = options.perMessageDeflate === false ? undefined : options.perMessageDeflate === true || options.perMessageDeflate === undefined ? {} : options.perMessageDeflate
  const headers = ['Host', target.host, 'Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Key', key, 'Sec-WebSocket-Version', '13']
  const protocols = options.protocols ?? []
  if (protocols.length > 0) headers.push('Sec-WebSocket-Protocol', protocols.join(', '))
  if (deflateOptions !== undefined) headers.push('Sec-WebSocket-Extensions', deflateOffer(deflateOptions))
  if (options.origin !== undefined) headers.push('Origin', options.origin)
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    validateHeaderName(name)
    validateHeaderValue(name, value)
    headers.push(name, value)
  }
  const request = writeRequestHead('GET', (target.pathname || '/') + target.search, headers)
  const timeout = options.handshakeTimeout ?? 10_000
  const started = Date.now()
  let socket: Socket
  try {
    socket = await openConnection(target, { tls: options.tls, proxy: options.proxy, tunnel: true, timeout })
  } catch (err) {
    if ((err as PorticoError).code === 'PORTICO_ERR_CONNECT_TIMEOUT') throw new PorticoError('PORTICO_ERR_WS_HANDSHAKE_TIMEOUT', undefined, { cause: err })
    throw err
  }
  return handshake(socket, request, key, protocols, deflateOptions, options, Math.max(1, timeout - (Date.now() - started)))
}

/** Sends the request head on a connected socket and reads the response. */
function handshake(
  socket: Socket,
  request: string,
  key: string,
  protocols: string[],
  deflateOptions: PerMessageDeflateOptions | undefined,
  options: WebSocketConnectOptions,
  timeout: number,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    let head: ResponseHead | undefined
    const parser = new ResponseParser({
      onHead: (h) => {
        head = h
      },
      onBody: () => {},
      onComplete: () => {},
    })
    let done = false
    const timer = setTimeout(() => finish(new PorticoError('PORTICO_ERR_WS_HANDSHAKE_TIMEOUT')), timeout)
    const finish = (error: Error | null, ws?: WebSocket): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
      if (error !== null) {
        socket.destroy()
        reject(error)
      } else resolve(ws as WebSocket)
    }
    const onError = (err: Error): void => finish(fail(`Connection failed: ${err.message}`))
    const onClose = (): void => finish(fail('The server closed the connection during the handshake'))
    const onData = (chunk: Buffer): void => {
      try {
        let used = chunk.length
        try {
          used = parser.execute(chunk)
        } catch (err) {
          // Only the head matters; a refusal's malformed body does not.
          if (head === undefined) throw err
        }
        if (head === undefined) return
        const { protocol, deflate } = checkResponse(head, key, protocols, deflateOptions)
        if (!parser.upgraded) throw fail('The 101 response did not switch protocols')
        socket.pause()
        const ws = new WebSocket(socket, {
          ...options,
          role: 'client',
          head: chunk.subarray(used),
          protocol,
          extensions: deflate === undefined ? '' : describeDeflate(deflate),
          deflate,
          perMessageDeflate: deflateOptions,
        })
        finish(null, ws)
        socket.resume()
      } catch (err) {
        finish(err instanceof PorticoError && err.code === 'PORTICO_ERR_WS_HANDSHAKE' ? err : fail(`Malformed handshake response: ${(err as Error).message}`))
      }
    }
    socket.on('data', onData)
    socket.on('error', onError)
    socket.on('close', onClose)
    socket.setNoDelay(true)
    socket.write(request, 'latin1')
  })
}

/** RFC 6455 §4.1: the client's checks of the server's handshake response. */
function checkResponse(
  head: ResponseHead,
  key: string,
  protocols: string[],
  deflateOptions: PerMessageDeflateOptions | undefined,
): { protocol: string; deflate: DeflateParams | undefined } {
  if (head.statusCode !== 101) throw fail(`Expected 101 Switching Protocols, got ${head.statusCode}`, head.statusCode)
  const get = (name: string): string | undefined => head.get(name)
  if (!hasToken(get('upgrade') ?? '', 'websocket')) throw fail('Missing Upgrade: websocket in the response')
  if (!hasToken(get('connection') ?? '', 'upgrade')) throw fail('Missing Connection: Upgrade in the response')
  if (get('sec-websocket-accept') !== computeAccept(key)) throw fail('Sec-WebSocket-Accept does not match the key')
  const protocol = get('sec-websocket-protocol') ?? ''
  if (protocol !== '' && !protocols.includes(protocol)) throw fail(`The server selected a subprotocol that was not offered: ${protocol}`)
  if (protocol === '' && protocols.length > 0 && get('sec-websocket-protocol') !== undefined) throw fail('Empty Sec-WebSocket-Protocol')
  let deflate: DeflateParams | undefined
  const extensions = get('sec-websocket-extensions')
  if (extensions !== undefined) {
    if (deflateOptions === undefined) throw fail('The server accepted an extension that was not offered')
    try {
      deflate = acceptDeflateResponse(parseExtensions(extensions), deflateOptions)
    } catch (err) {
      throw fail((err as Error).message)
    }
  }
  return { protocol, deflate }
}
