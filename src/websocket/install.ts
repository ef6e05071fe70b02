/**
 * Plugs WebSockets into Portico's server, by module augmentation (the server never imports
 * this layer): `res.upgradeWebSocket(options)` inside any route (so middlewares, `accept` and
 * path parameters apply before the upgrade), `server.ws(path, handler, options)`,
 * `server.publish(topic, message)` over the server's topic registry, and a graceful `stop()`
 * that sends 1001 (going away) to every client.
 * @module
 */
import { HttpError } from '../errors.js'
import type { PathParams } from '../router/params.js'
import type { PorticoRequest } from '../server/request.js'
import { PorticoResponse } from '../server/response.js'
import { Server } from '../server/server.js'
import type { Middleware } from '../server/types.js'
import { serverWebSocket, type AcceptOptions } from './accept.js'
import { negotiateHandshake, type HandshakeRequest } from './handshake.js'
import { TopicRegistry, type PublishOptions } from './topics.js'
import { WebSocket } from './websocket.js'
import type { WebSocketData } from './websocket-options.js'

/**
 * A WebSocket route's handler: runs once the connection is open.
 *
 * @example
 * ```ts
 * const echo: WebSocketHandler = async (ws) => { for await (const m of ws) await ws.send(m) }
 * ```
 */
export type WebSocketHandler<P = Record<string, string | number>> = (ws: WebSocket, req: PorticoRequest<P>) => unknown | Promise<unknown>

/**
 * Options of `server.ws()`: the WebSocket's, and the route's `accept` and middlewares.
 *
 * @example
 * ```ts
 * server.ws('/live', handler, { accept: (req) => req.getHeader('x-token') === 'ok' || [401, 'Unauthorized'], heartbeat: 30_000 })
 * ```
 */
export interface WebSocketRouteOptions extends AcceptOptions {
  /** Runs before the upgrade; return `[status, message]` to refuse (authentication). */
  accept?(req: PorticoRequest<any>): true | [status: number, message: string]
  /** Middlewares that run before the upgrade, for this route only. */
  middlewares?: Middleware[]
}

declare module '../server/response.js' {
  interface PorticoResponse {
    /**
     * Upgrades this request to a WebSocket (RFC 6455 §4.2) and returns it. A request that is
     * not a valid WebSocket handshake throws an `HttpError` (400, 403 or 426 with
     * `Sec-WebSocket-Version: 13`), which the server answers.
     *
     * @example
     * ```ts
     * server.get('/chat/{room}', (req, res) => {
     *   if (!req.getHeader('cookie')) throw new HttpError(401)
     *   const ws = res.upgradeWebSocket({ protocols: ['chat'] })
     *   ws.subscribe(req.params.room)
     * })
     * ```
     */
    upgradeWebSocket(options?: AcceptOptions): WebSocket
  }
}

declare module '../server/server.js' {
  interface Server {
    /**
     * Registers a WebSocket endpoint: a GET route that upgrades and calls `handler(ws, req)`.
     * While the handler's promise runs, it holds one of the server's `maxConcurrentRequests`
     * slots (as Toit's `max-tasks` does); a handler that only adds listeners frees it at once.
     *
     * @example
     * ```ts
     * server.ws('/ws', async (ws) => {
     *   ws.subscribe('chat')
     *   for await (const message of ws) server.publish('chat', message)
     * })
     * ```
     */
    ws<P extends string>(path: P, handler: WebSocketHandler<PathParams<P>>, options?: WebSocketRouteOptions): this
    /**
     * Sends a message to every WebSocket of this server subscribed to `topic`, framed (and
     * compressed) once; returns the number of recipients.
     *
     * @example
     * ```ts
     * server.publish('chat', 'hello everyone')
     * ```
     */
    publish(topic: string, message: WebSocketData, options?: PublishOptions): number
    /** This server's topic registry. */
    readonly topics: TopicRegistry
    /** The open WebSockets of this server. */
    readonly webSockets: ReadonlySet<WebSocket>
  }
}

interface ServerWebSockets {
  topics: TopicRegistry
  sockets: Set<WebSocket>
}

const STATE = Symbol('portico.websocket')

function stateOf(server: Server): ServerWebSockets {
  let state = server.extensions.get(STATE) as ServerWebSockets | undefined
  if (state !== undefined) return state
  const created: ServerWebSockets = { topics: new TopicRegistry(), sockets: new Set() }
  server.extensions.set(STATE, created)
  server.onStop(async (graceful) => {
    const open = [...created.sockets]
    for (const ws of open) {
      // RFC 6455 §7.4.1: 1001, the endpoint is going away.
      ws.close(1001, 'Server shutting down').catch(() => {})
      if (!graceful) ws.terminate()
    }
    await Promise.all(open.map((ws) => ws.closed))
  })
  state = created
  return state
}

function handshakeRequest(req: PorticoRequest<any>): HandshakeRequest {
  return { method: req.method, httpVersion: req.httpVersion, header: (name) => req.getHeader(name) }
}

PorticoResponse.prototype.upgradeWebSocket = function upgradeWebSocket(this: PorticoResponse, options: AcceptOptions = {}): WebSocket {
  const req = this.req
  const result = negotiateHandshake(handshakeRequest(req), options)
  if (!result.ok) {
    const headers: Record<string, string> = {}
    if (result.status === 426) {
      headers['Sec-WebSocket-Version'] = '13'
      headers.Upgrade = 'websocket'
    }
    throw new HttpError(result.status, result.message, { headers })
  }
  if (!req.isUpgrade) throw new HttpError(426, 'Upgrade required', { headers: { 'Sec-WebSocket-Version': '13', Upgrade: 'websocket' } })
  const { socket, head } = this.upgrade(result.response)
  const state = stateOf(req.server)
  const ws = serverWebSocket(socket, head, result, options)
  ws.topics = state.topics
  state.sockets.add(ws)
  void ws.closed.then(() => state.sockets.delete(ws))
  return ws
}

Server.prototype.ws = function ws<P extends string>(this: Server, path: P, handler: WebSocketHandler<PathParams<P>>, options: WebSocketRouteOptions = {}): Server {
  const { accept, middlewares, ...wsOptions } = options
  stateOf(this)
  return this.registerRoute('GET', path, async (req, res) => {
    const socket = res.upgradeWebSocket(wsOptions)
    try {
      await handler(socket, req)
    } catch (err) {
      this.emitError(`WebSocket handler failed for ${req.path}`, err)
      if (socket.readyState === WebSocket.OPEN) socket.close(1011).catch(() => {})
    }
  }, { accept, middlewares })
}

Server.prototype.publish = function publish(this: Server, topic: string, message: WebSocketData, options?: PublishOptions): number {
  return stateOf(this).topics.publish(topic, message, options)
}

Object.defineProperty(Server.prototype, 'topics', {
  configurable: true,
  get(this: Server) {
    return stateOf(this).topics
  },
})

Object.defineProperty(Server.prototype, 'webSockets', {
  configurable: true,
  get(this: Server) {
    return stateOf(this).sockets
  },
})
