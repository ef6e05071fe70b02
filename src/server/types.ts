/**
 * The shapes shared by the server's files: handlers, route options, middlewares and the
 * options of `createServer`.
 * @module
 */
import type { PorticoRequest } from './request.js'
import type { PorticoResponse } from './response.js'
import type net from 'node:net'
import type { Middleware as GenericMiddleware, Stage } from '../router/compose.js'

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
  /**
   * The body limit of this route, in bytes (413 beyond it). Defaults to the server's. The head
   * has its own limits (`maxHeaderSize` → 431, `maxUrlLength` → 414). Unlike
   * `setMaxRequestSize` (the seed's setter, clamped to 1 KiB–1 MiB), it takes any size, so an
   * upload route may allow gigabytes.
   */
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
 * // tiny_httpd's `create` arguments, for `run()`:
 * const server = createServer({ addr: '::', port: 8080, bufSize: 64 * 1024, idleTimeout: 30_000, middlewares: [['encoding', compress()]] })
 * const result = await server.run()
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
  /**
   * The body limit in bytes for buffered bodies (413 beyond it); the head has its own limits
   * (`maxHeaderSize` → 431, `maxUrlLength` → 414). Default 1 MiB. Unlike `setMaxRequestSize`
   * (the seed's setter, clamped to 1 KiB–1 MiB), this option takes any size (for uploads); a
   * route's own `maxRequestSize` overrides it.
   */
  maxRequestSize?: number
  /**
   * Responses pending on one connection (pipelining) before it stops reading; also how many
   * pipelined handlers run at once on one connection. Default 32.
   */
  maxPendingResponses?: number
  /** Parser limits (see `ParserLimits`). */
  maxHeaderSize?: number
  maxUrlLength?: number
  maxHeaderCount?: number
  /** Called once the server listens (tiny_httpd `after_init`). */
  afterInit?: (server: import('./server.js').Server) => void
  /**
   * The address `run()` listens on (tiny_httpd `addr`), IPv4 or IPv6; `'*'` is dual-stack.
   * Default `'127.0.0.1'`, as tiny_httpd. `listen()` takes its own address and ignores it.
   */
  addr?: string
  /** The port `run()` listens on (tiny_httpd `port`); 0 picks a free one. Default 8080. */
  port?: number
  /**
   * An existing listening socket for `run()` instead of `addr`/`port` (tiny_httpd `sock`, as
   * systemd or launchd pass): a `net.Server`, a file descriptor (a bare number or `{ fd }`), or
   * a handle (`{ handle }`).
   */
  sock?: ServerSocket
  /**
   * Size of the buffers of each accepted socket, in bytes (tiny_httpd `buf_size`): the
   * `highWaterMark` of its readable and writable sides. Reading pauses (TCP backpressure) once
   * this much unread input waits, and responses are parked once this much output waits unsent.
   * Applies to the listeners Portico creates (`run()`, `listen(port | { fd } | { handle })`), not
   * to an adopted `net.Server`, which keeps its own. Default: Node's (16 KiB on Node 20).
   */
  bufSize?: number
  /**
   * The clock of the connection timeouts, in seconds (tiny_httpd `get_time_s`), read instead of
   * `Date.now()`: a test can drive `idleTimeout`, `headersTimeout`… with a fake clock. The
   * sweep still wakes on a real timer; it compares the stamps this clock gave.
   */
  getTimeS?: () => number
  /**
   * Starts serving each accepted connection (tiny_httpd `new_thread`: "one could use a thread
   * pool instead"). It receives `serve`, which sets the connection up and returns a promise
   * that settles once the connection is closed or handed over; it may call it at once (the
   * default), later, or through a pool that limits how many connections are served at a time.
   * A socket waits unread until `serve` runs; one closed meanwhile, or the server stopped,
   * makes `serve` a no-op. Sockets given to `server.serve(stream)` do not go through it.
   */
  newThread?: NewThread
  /** Middlewares for every route, as if by `use(middleware, { stage })` in order (tiny_httpd `middlewares`). */
  middlewares?: readonly (readonly [stage: Stage, middleware: Middleware])[]
  /**
   * Accepted for parity with tiny_httpd; it has no effect: Node ignores SIGPIPE, so a write to
   * a broken socket fails with `EPIPE` on that socket and never kills the process.
   */
  masksigpipe?: boolean
}

/**
 * An existing listening socket for `run()`: a `net.Server`, a file descriptor or a handle.
 *
 * @example
 * ```ts
 * createServer({ sock: 3 }) // the first socket systemd passes (LISTEN_FDS)
 * ```
 */
export type ServerSocket = net.Server | number | { fd: number } | { handle: object }

/**
 * The `newThread` option: given `serve` for one accepted connection, runs it now or later.
 *
 * @example
 * ```ts
 * let busy = 0
 * const waiting: (() => Promise<void>)[] = []
 * const pool: NewThread = (serve) => {
 *   if (busy >= 100) return void waiting.push(serve)
 *   busy++
 *   const next = (): void => { const s = waiting.shift(); if (s === undefined) busy--; else void s().then(next) }
 *   void serve().then(next)
 * }
 * createServer({ newThread: pool })
 * ```
 */
export type NewThread = (serve: () => Promise<void>) => void

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
  addr: string
  port: number
  sock: ServerSocket | undefined
  bufSize: number | undefined
  getTimeS: (() => number) | undefined
  newThread: NewThread | undefined
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
    addr: o.addr ?? '127.0.0.1',
    port: o.port ?? 8080,
    sock: o.sock,
    bufSize: o.bufSize,
    getTimeS: o.getTimeS,
    newThread: o.newThread,
  }
}
