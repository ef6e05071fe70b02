/**
 * Turns an upgraded socket into a server-side {@link WebSocket}: runs the handshake checks,
 * writes the `101` (or the refusal) and builds the WebSocket over the socket. Works with any
 * server that hands over the socket and the bytes read past the request head: Portico's
 * `res.upgrade()`, or `node:http`'s `'upgrade'` event.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { PorticoError } from '../errors.js'
import { negotiateHandshake, type HandshakeRequest, type HandshakeResult, type ServerHandshakeOptions } from './handshake.js'
import { WebSocket } from './websocket.js'
import type { WebSocketBehaviour } from './websocket-options.js'
import type { PerMessageDeflateOptions } from './deflate-negotiation.js'

/**
 * Everything a server-side WebSocket is configured with.
 *
 * @example
 * ```ts
 * const options: AcceptOptions = { protocols: ['chat'], origin: ['https://app.example'], perMessageDeflate: true, maxPayload: 1 << 20 }
 * ```
 */
export interface AcceptOptions extends ServerHandshakeOptions, WebSocketBehaviour {}

/** The outcome: a WebSocket, or the refusal that was answered (the socket is then closing). */
export type AcceptResult = { ok: true; ws: WebSocket } | { ok: false; status: number; error: PorticoError }

/**
 * Answers a WebSocket upgrade request on `socket`.
 *
 * @example
 * ```ts
 * httpServer.on('upgrade', (req, socket, head) => {
 *   const result = acceptWebSocket(socket, head, nodeHandshakeRequest(req), { protocols: ['chat'] })
 *   if (result.ok) result.ws.on('message', (m) => result.ws.send(m))
 * })
 * ```
 */
export function acceptWebSocket(socket: Duplex, head: Buffer, request: HandshakeRequest, options: AcceptOptions = {}): AcceptResult {
  const result = negotiateHandshake(request, options)
  if (!result.ok) {
    socket.end(result.response, 'latin1')
    return { ok: false, status: result.status, error: new PorticoError('PORTICO_ERR_WS_HANDSHAKE', result.message, { status: result.status }) }
  }
  socket.write(result.response, 'latin1')
  return { ok: true, ws: serverWebSocket(socket, head, result, options) }
}

/**
 * Adapts a `node:http` request to the {@link HandshakeRequest} the handshake reads.
 *
 * @example
 * ```ts
 * acceptWebSocket(socket, head, nodeHandshakeRequest(req))
 * ```
 */
export function nodeHandshakeRequest(req: IncomingMessage): HandshakeRequest {
  return {
    method: req.method ?? '',
    httpVersion: req.httpVersion,
    header: (name) => {
      const value = req.headers[name.toLowerCase()]
      return Array.isArray(value) ? value.join(', ') : value
    },
  }
}

/**
 * The server side `WebSocket` of a socket whose handshake `result` was accepted (the 101 is
 * already written): the negotiated protocol, extensions and deflate parameters applied.
 *
 * @example
 * ```ts
 * const ws = serverWebSocket(socket, head, result, { maxPayload: 1 << 20 })
 * ```
 */
export function serverWebSocket(
  socket: Duplex,
  head: Buffer,
  result: Extract<HandshakeResult, { ok: true }>,
  options: AcceptOptions,
): WebSocket {
  return new WebSocket(socket, {
    ...options,
    role: 'server',
    head,
    protocol: result.protocol,
    extensions: result.extensions,
    deflate: result.deflate,
    perMessageDeflate: typeof options.perMessageDeflate === 'object' ? (options.perMessageDeflate as PerMessageDeflateOptions) : undefined,
  })
}
