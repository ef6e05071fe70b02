/**
 * The shapes shared by the server's files: handlers, route options, middlewares and the
 * options of `createServer`.
 * @module
 */
import type { PorticoRequest } from './request.js'
import type { PorticoResponse } from './response.js'
import type { Middleware as GenericMiddleware } from '../router/compose.js'

/**
 * A middleware of this server: acts around `await next()` or answers without calling it.
 *
 * @example
 * ```ts
 * server.use(async (req, res, next) => { const t = Date.now(); await next(); console.log(req.path, Date.now() - t) })
 * ```
 */
export type Middleware = GenericMiddleware<PorticoRequest<any>, PorticoResponse>

/**
 * What a handler may return: an object (sent as JSON), a string (text), bytes, or nothing.
 *
 * @example
 * ```ts
 * server.get('/', () => ({ ok: true })) // HandlerResult: an object, sent as JSON
 * ```
 */
export type HandlerResult = unknown

/**
 * A route handler. It may answer through `res`, or return a value: an object is sent as JSON, a
 * string as text, bytes as `application/octet-stream`; `undefined` ends the response as set.
 *
 * @example
 * ```ts
 * const hello: Handler = (req, res) => { res.send('hi ' + req.getQueryParam('name')) }
 * ```
 */
export type Handler<P = Record<string, string | number>> = (
  req: PorticoRequest<P>,
  res: PorticoResponse,
) => HandlerResult | Promise<HandlerResult>

/**
 * Per-route options.
 *
 * @example
 * ```ts
 * server.post('/upload', handler, {
 *   maxRequestSize: 10 * 1024 * 1024,
 *   accept: (req) => req.getHeader('x-token') === 'ok' || [403, 'Forbidden'],
 * })
 * ```
 */
export interface RouteOptions {
  /** Runs once the head is read and before any body byte is read (and before `100 Continue`). */
  accept?(req: PorticoRequest<any>): true | [status: number, message: string]
  /** The body limit of this route, in bytes (413 beyond it). Defaults to the server's. */
  maxRequestSize?: number
  /** The handler reads `req.body` as a stream: the body is not bounded by the server's limit. */
  stream?: boolean
  /** Middlewares that run innermost, for this route only. */
  middlewares?: Middleware[]
}

/**
 * Handles an error thrown by a handler (or a middleware). It answers through `res`.
 *
 * @example
 * ```ts
 * server.setErrorHandler((err, req, res) => { res.setStatus(500); res.setJson({ error: 'oops' }) })
 * ```
 */
export type ErrorHandler = (error: unknown, req: PorticoRequest<any>, res: PorticoResponse) => unknown | Promise<unknown>

/**
 * Options of {@link createServer}. Times are in milliseconds; `0` disables a timeout.
 *
 * @example
 * ```ts
 * createServer({ maxConnections: 1000, maxConcurrentRequests: 64, maxQueuedRequests: 256, keepAliveTimeout: 5000 })
 * ```
 */
export interface ServerOptions {
  /** Simultaneous connections; beyond it new sockets wait unread until one closes. Default: unlimited. */
  maxConnections?: number
  /** Handlers running at once; more wait in a FIFO queue. Default: unlimited. */
  maxConcurrentRequests?: number
  /** Requests the FIFO queue holds; beyond it the answer is 503. Default: unlimited. */
  maxQueuedRequests?: number
  /** Time to receive a whole request head. Default 60 000. */
  headersTimeout?: number
  /** Time to receive a whole request (head and body). Default 300 000. */
  requestTimeout?: number
  /** Time an idle keep-alive connection stays open. Default 5 000. */
  keepAliveTimeout?: number
  /** Close a connection that neither reads nor writes for this long (tiny_httpd `timeout`). Default 0 (off). */
  idleTimeout?: number
  /** The body limit in bytes for buffered bodies (413 beyond it). Default 1 MiB. */
  maxRequestSize?: number
  /** Responses pending on one connection (pipelining) before it stops reading. Default 32. */
  maxPendingResponses?: number
  /** Parser limits (see `ParserLimits`). */
  maxHeaderSize?: number
  maxUrlLength?: number
  maxHeaderCount?: number
  /** Called once the server listens (tiny_httpd `after_init`). */
  afterInit?: (server: import('./server.js').Server) => void
}

/**
 * The options with their defaults applied.
 *
 * @example
 * ```ts
 * resolveOptions({}).keepAliveTimeout // 5000
 * ```
 */
export interface ResolvedOptions {
  maxConnections: number
  maxConcurrentRequests: number
  maxQueuedRequests: number
  headersTimeout: number
  requestTimeout: number
  keepAliveTimeout: number
  idleTimeout: number
  maxRequestSize: number
  maxPendingResponses: number
  parserLimits: { maxHeaderSize?: number; maxUrlLength?: number; maxHeaderCount?: number }
}

/**
 * Resolves {@link ServerOptions} against the defaults.
 *
 * @example
 * ```ts
 * resolveOptions({ headersTimeout: 1000 }).requestTimeout // 300000
 * ```
 */
export function resolveOptions(o: ServerOptions): ResolvedOptions {
  const limits: ResolvedOptions['parserLimits'] = {}
  if (o.maxHeaderSize !== undefined) limits.maxHeaderSize = o.maxHeaderSize
  if (o.maxUrlLength !== undefined) limits.maxUrlLength = o.maxUrlLength
  if (o.maxHeaderCount !== undefined) limits.maxHeaderCount = o.maxHeaderCount
  return {
    maxConnections: o.maxConnections ?? Infinity,
    maxConcurrentRequests: o.maxConcurrentRequests ?? Infinity,
    maxQueuedRequests: o.maxQueuedRequests ?? Infinity,
    headersTimeout: o.headersTimeout ?? 60_000,
    requestTimeout: o.requestTimeout ?? 300_000,
    keepAliveTimeout: o.keepAliveTimeout ?? 5_000,
    idleTimeout: o.idleTimeout ?? 0,
    maxRequestSize: o.maxRequestSize ?? 1024 * 1024,
    maxPendingResponses: o.maxPendingResponses ?? 32,
    parserLimits: limits,
  }
}
