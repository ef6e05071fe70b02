/**
 * Adds Server-Sent Events to the server (imported by the root `portico` entry, so `server/`
 * never imports `sse/`): `res.startSSE()`, `server.sse(path, handler)`, the seed's registry
 * methods (`getActiveSseConnections`, `sendSseEvent`, `sendSseData`, `sendSseComment`,
 * `sendSseRetry`, `closeSseConnection`), `broadcast`, channels, and the events
 * `sseConnectionOpened(id, path, headers)` / `sseConnectionClosed(id)`.
 * @module
 */
import type { Duplex } from 'node:stream'
import { PorticoError } from '../errors.js'
import type { PathParams } from '../router/params.js'
import type { PorticoRequest } from '../server/request.js'
import { PorticoResponse } from '../server/response.js'
import { Server } from '../server/server.js'
import type { RouteOptions } from '../server/types.js'
import { validateRetry } from './event-encoder.js'
import { SSEConnection } from './sse-connection.js'
import { SseGenerator } from './sse-generator.js'
import type { SseChannelOptions } from './sse-registry.js'
import { sseState, type SseServerOptions } from './server-state.js'
import type { SseConnectionOptions } from './transport.js'

/**
 * Options of `server.sse()`: the route's options, plus the connection's.
 *
 * @example
 * ```ts
 * server.sse('/feed', handler, { sse: { heartbeatMs: 30_000 }, accept: (req) => req.getHeader('x-key') === 'k' || [403, 'Forbidden'] })
 * ```
 */
export interface SseRouteOptions extends RouteOptions {
  sse?: SseConnectionOptions
}

/**
 * A `server.sse()` handler: tiny_httpd's `(req, generator)`.
 *
 * @example
 * ```ts
 * const handler: SseHandler<{ room: string }> = async (req, gen) => { await gen.sendEvent({ data: req.params.room }) }
 * ```
 */
export type SseHandler<P> = (req: PorticoRequest<P>, gen: SseGenerator) => unknown

declare module '../server/response.js' {
  interface PorticoResponse {
    /**
     * Turns the response into a Server-Sent Events stream (status as set, default 200;
     * `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-cache`,
     * `X-Accel-Buffering: no`; no length, no compression) registered with the server by id.
     * Throws `PORTICO_ERR_SSE_HEADERS_SENT` when the head already went out.
     *
     * @example
     * ```ts
     * server.get('/events', (req, res) => {
     *   const conn = res.startSSE()
     *   conn.sendEvent('welcome', 'Connected!')
     *   conn.join('news')
     * })
     * ```
     */
    startSSE(options?: SseConnectionOptions): SSEConnection
  }
}

declare module '../server/server.js' {
  interface Server {
    /** Registers a GET route serving events through a generator; the stream ends when the handler returns. */
    sse<P extends string>(path: P, handler: SseHandler<PathParams<P>>, options?: SseRouteOptions): this
    /** Server-wide defaults of every SSE connection, and the `retry:` sent on stop. */
    configureSse(options: SseServerOptions): this
    /** Configures a channel (a replay buffer for `Last-Event-ID` reconnections). */
    sseChannel(channel: string, options: SseChannelOptions): this
    /** Ids of the open SSE connections. */
    getActiveSseConnections(): number[]
    /** The open SSE connection with this id. */
    getSseConnection(connectionId: number): SSEConnection | undefined
    /** Sends an event to one connection (rejects with `PORTICO_ERR_SSE_UNKNOWN_CONNECTION` for an unknown id). */
    sendSseEvent(connectionId: number, event: string, data: unknown, eventId?: string): Promise<boolean>
    /** Sends an unnamed event to one connection. */
    sendSseData(connectionId: number, data: unknown): Promise<boolean>
    /** Sends a comment to one connection. */
    sendSseComment(connectionId: number, text: string): Promise<boolean>
    /** Sends `retry:` to one connection. */
    sendSseRetry(connectionId: number, ms: number): Promise<boolean>
    /** Closes one connection (emits `sseConnectionClosed`); tells whether it was open. */
    closeSseConnection(connectionId: number): boolean
    /** Encodes once and writes to every member of `channel` (every connection when undefined); returns how many got it. */
    broadcast(channel: string | undefined, event: string, data: unknown, eventId?: string): number
    on(event: 'sseConnectionOpened', listener: (connectionId: number, path: string, headers: Record<string, string>) => void): this
    on(event: 'sseConnectionClosed', listener: (connectionId: number) => void): this
    once(event: 'sseConnectionOpened', listener: (connectionId: number, path: string, headers: Record<string, string>) => void): this
    once(event: 'sseConnectionClosed', listener: (connectionId: number) => void): this
    on(event: string | symbol, listener: (...args: any[]) => void): this
    once(event: string | symbol, listener: (...args: any[]) => void): this
  }
}

const noop = (): void => {}

function unknownConnection(id: number): Promise<boolean> {
  const p = Promise.reject(new PorticoError('PORTICO_ERR_SSE_UNKNOWN_CONNECTION', `No active SSE connection ${id}`))
  p.catch(noop)
  return p
}

/**
 * An event-stream client never half-closes: its FIN means it is gone. The engine keeps a
 * half-closed socket open while a response is streaming (right for a download), so without
 * this the departure would be seen only at the next write.
 */
function watchHalfClose(req: PorticoRequest<unknown>, stream: { destroy(): void }, conn: SSEConnection): void {
  const socket = req.socket as (Duplex & { readableEnded?: boolean }) | undefined
  if (socket === undefined || !conn.isConnectionActive()) return
  if (socket.readableEnded === true) {
    stream.destroy()
    return
  }
  const onEnd = (): void => stream.destroy()
  socket.once('end', onEnd)
  conn.onClose(() => socket.off('end', onEnd))
}

PorticoResponse.prototype.startSSE = function startSSE(this: PorticoResponse, options: SseConnectionOptions = {}): SSEConnection {
  if (this.headersSent || this.finished) throw new PorticoError('PORTICO_ERR_SSE_HEADERS_SENT')
  // A bad option throws before anything is sent, so the handler's error still gets a 500.
  const retryMs = options.retryMs ?? sseState(this.req.server).defaults.retryMs
  if (retryMs !== undefined) validateRetry(retryMs)
  const req = this.req
  const state = sseState(req.server)
  this.removeHeader('Content-Length').removeHeader('Content-Encoding')
  this.setHeader('Content-Type', 'text/event-stream; charset=utf-8')
  this.setHeader('Cache-Control', 'no-cache')
  this.setHeader('X-Accel-Buffering', 'no')
  // Raw framing: the stream lasts as long as the connection, so chunk framing would only add bytes.
  const stream = this.openStream({ raw: true })
  const conn = new SSEConnection(stream, { ...state.defaults, ...options, path: req.path, headers: req.headers, hub: state.registry, onListenerError: (err) => req.server.emitError('An SSE onClose listener threw', err) })
  state.registry.add(conn)
  if (req.method === 'HEAD') conn.closeConnection()
  else watchHalfClose(req, stream, conn)
  return conn
}

Server.prototype.sse = function sse<P extends string>(this: Server, path: P, handler: SseHandler<PathParams<P>>, options: SseRouteOptions = {}) {
  const { sse: connOptions, ...routeOptions } = options
  return this.get(path, async (req, res) => {
    const gen = new SseGenerator({ setHeader: (name, value) => res.setHeader(name, value), startSSE: () => res.startSSE(connOptions) })
    try {
      await handler(req, gen)
    } catch (err) {
      if (!gen.started) throw err
      this.emitError(`SSE handler failed: ${req.method} ${req.path}`, err)
    }
    gen.close()
  }, routeOptions)
}

Server.prototype.configureSse = function configureSse(this: Server, options: SseServerOptions) {
  const state = sseState(this)
  const { stopRetryMs, ...defaults } = options
  if (stopRetryMs !== undefined) state.stopRetryMs = stopRetryMs
  state.defaults = { ...state.defaults, ...defaults }
  return this
}

Server.prototype.sseChannel = function sseChannel(this: Server, channel: string, options: SseChannelOptions) {
  sseState(this).registry.configureChannel(channel, options)
  return this
}

Server.prototype.getActiveSseConnections = function getActiveSseConnections(this: Server): number[] {
  return sseState(this).registry.ids()
}

Server.prototype.getSseConnection = function getSseConnection(this: Server, connectionId: number) {
  return sseState(this).registry.get(connectionId)
}

Server.prototype.sendSseEvent = function sendSseEvent(this: Server, connectionId: number, event: string, data: unknown, eventId?: string) {
  const conn = sseState(this).registry.get(connectionId)
  return conn === undefined ? unknownConnection(connectionId) : conn.sendEvent(event, data, eventId)
}

Server.prototype.sendSseData = function sendSseData(this: Server, connectionId: number, data: unknown) {
  const conn = sseState(this).registry.get(connectionId)
  return conn === undefined ? unknownConnection(connectionId) : conn.sendData(data)
}

Server.prototype.sendSseComment = function sendSseComment(this: Server, connectionId: number, text: string) {
  const conn = sseState(this).registry.get(connectionId)
  return conn === undefined ? unknownConnection(connectionId) : conn.sendComment(text)
}

Server.prototype.sendSseRetry = function sendSseRetry(this: Server, connectionId: number, ms: number) {
  const conn = sseState(this).registry.get(connectionId)
  return conn === undefined ? unknownConnection(connectionId) : conn.setRetry(ms)
}

Server.prototype.closeSseConnection = function closeSseConnection(this: Server, connectionId: number): boolean {
  const conn = sseState(this).registry.get(connectionId)
  if (conn === undefined) return false
  conn.closeConnection()
  return true
}

Server.prototype.broadcast = function broadcast(this: Server, channel: string | undefined, event: string, data: unknown, eventId?: string): number {
  return sseState(this).registry.broadcast(channel, event, data, eventId)
}
