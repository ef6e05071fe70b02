/**
 * `Server`: the seed's HTTPServer (routes, limits, listen/stop, `serverError`) over Portico's
 * own HTTP/1.1 engine, plus tiny_httpd's pieces (`setTopHandler`, `afterInit`, `run`, the
 * `create` options, serving any duplex stream, `inject`).
 * @module
 */
import { EventEmitter } from 'node:events'
import { PorticoError } from '../errors.js'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import { HTTP_METHODS } from '../http1/methods.js'
import { Router } from '../router/router.js'
import { MiddlewareStack, type StageOptions } from '../router/compose.js'
import type { PathParams } from '../router/params.js'
import { Admission } from './admission.js'
import { Connection } from './connection.js'
import { ConcurrencyQueue } from './concurrency-queue.js'
import { answerUnmatched, endpointFor, type RouteEntry } from './dispatch.js'
import { openListener, type ListenOptions, type ListenTarget } from './listen.js'
import type { PorticoRequest } from './request.js'
import type { PorticoResponse } from './response.js'
import { stopServer, type StopOptions } from './stop.js'
import { startSweep, sweepInterval } from './timeouts.js'
import { inject, type InjectRequest, type InjectResponse } from './inject.js'
import { runServer, type RunResult } from './run.js'
import { resolveOptions, type ErrorHandler, type Handler, type Middleware, type ResolvedOptions, type RouteOptions, type ServerOptions } from './types.js'

/** The seed's bounds for `setMaxRequestSize`: 1 KiB to 1 MiB. */
const MIN_REQUEST_SIZE = 1024
const MAX_REQUEST_SIZE = 1024 * 1024

/**
 * An HTTP/1.1 server. Events: `serverError(message, error)` for every internal failure
 * (handler exceptions included; the client then gets a bare 500).
 *
 * @example
 * ```ts
 * const server = createServer()
 * server.get('/users/{id:int}', (req) => ({ id: req.params.id }))
 * server.on('serverError', (message, error) => console.error(message, error))
 * await server.listen(8080)
 * ```
 */
export class Server extends EventEmitter {
  /** @internal */ readonly config: ResolvedOptions
  /** @internal */ readonly router = new Router<RouteEntry>()
  /** @internal */ readonly middleware = new MiddlewareStack<PorticoRequest<any>, PorticoResponse>()
  /** @internal */ readonly limiter: ConcurrencyQueue
  /** @internal */ readonly connections = new Set<Connection>()
  /** @internal */ topEntry: RouteEntry | undefined = undefined
  /** @internal */ errorHandler: ErrorHandler | undefined = undefined
  /** @internal */ maxRequestSize: number
  /** @internal */ stopping = false
  /** @internal reads the clock of the timeouts, in ms: `getTimeS() * 1000`, or `Date.now()` */
  readonly readClock: () => number
  /** @internal coarse clock advanced by the timeout sweep */ clock: number
  /** @internal hooks run before every response head (see `onResponseHead`) */
  readonly headHooks: ((req: PorticoRequest<any>, res: PorticoResponse) => void)[] = []
  /** @internal answers the requests no route took (404, 405, OPTIONS, 308) inside the middlewares */
  readonly unmatchedEntry: RouteEntry
  /** Per-server state of the upper layers (SSE registry, WebSocket clients…). */
  readonly extensions = new Map<symbol, unknown>()
  private listener: net.Server | undefined = undefined
  private ownsListener = false
  private stopSweep: (() => void) | undefined = undefined
  private readonly admission = new Admission(this)
  private stopWaiters: (() => void)[] = []
  private readonly stopHooks: ((graceful: boolean) => Promise<void> | void)[] = []
  private drainWaiters: (() => void)[] = []
  private readonly afterInit: ((server: Server) => void) | undefined
  private readonly acceptSocket = (socket: net.Socket): void => this.admission.accept(socket)

  constructor(options: ServerOptions = {}) {
    super()
    this.config = resolveOptions(options)
    const getTimeS = this.config.getTimeS
    this.readClock = getTimeS === undefined ? Date.now : () => getTimeS() * 1000
    this.clock = this.readClock()
    this.maxRequestSize = this.config.maxRequestSize
    this.limiter = new ConcurrencyQueue(this, this.config.maxConcurrentRequests, this.config.maxQueuedRequests)
    this.afterInit = options.afterInit
    for (const [stage, middleware] of options.middlewares ?? []) this.use(middleware, { stage })
    this.unmatchedEntry = this.makeEntry(answerUnmatched, {})
  }

  /**
   * Listens to `serverError(message, error)` (and the events upper layers add).
   *
   * @example
   * ```ts
   * server.on('serverError', (message, error) => log.error(message, error))
   * ```
   */
  override on(event: 'serverError', listener: (message: string, error: unknown) => void): this
  override on(event: string | symbol, listener: (...args: any[]) => void): this
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener)
  }

  /** Like `on`, once. */
  override once(event: 'serverError', listener: (message: string, error: unknown) => void): this
  override once(event: string | symbol, listener: (...args: any[]) => void): this
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener)
  }

  /**
   * Registers a handler for a method and a path pattern (`{name}`, `{name:int}`, `{*rest}`);
   * `req.params` is typed from the pattern. The method `'*'` takes every method (tiny_httpd's
   * `add_route_handler` without `?meth`; see {@link Server.all}).
   *
   * @example
   * ```ts
   * server.registerRoute('GET', '/api/users/{id}', (req, res) => res.setJson({ user_id: req.params.id }))
   * server.registerRoute('*', '/echo', (req) => req.method)
   * ```
   */
  registerRoute<P extends string>(method: string, path: P, handler: Handler<PathParams<P>>, options: RouteOptions = {}): this {
    const name = typeof method === 'string' ? method.toUpperCase() : method
    // A route on a method the parser refuses (501) could never run, yet would be listed in `Allow`.
    if (typeof name !== 'string' || (name !== '*' && !HTTP_METHODS.has(name))) {
      throw new PorticoError('PORTICO_ERR_ROUTE_INVALID_METHOD', `Invalid route method ${JSON.stringify(method)}: the parser refuses it (501); see HTTP_METHODS`)
    }
    this.router.add(name, path, this.makeEntry(handler as Handler<any>, options))
    return this
  }

  /** Removes a route; tells whether it existed. */
  unregisterRoute(method: string, path: string): boolean {
    return this.router.remove(method.toUpperCase(), path)
  }

  /** Removes every route. */
  clearRoutes(): void {
    this.router.clear()
  }

  /** The handler for requests no route matches (without one: 404, or 405 with `Allow`). */
  setTopHandler(handler: Handler | undefined, options: RouteOptions = {}): this {
    this.topEntry = handler === undefined ? undefined : this.makeEntry(handler, options)
    return this
  }

  /** `registerRoute('GET', …)`. */
  get<P extends string>(path: P, handler: Handler<PathParams<P>>, options?: RouteOptions): this {
    return this.registerRoute('GET', path, handler, options)
  }

  /** `registerRoute('POST', …)`. */
  post<P extends string>(path: P, handler: Handler<PathParams<P>>, options?: RouteOptions): this {
    return this.registerRoute('POST', path, handler, options)
  }

  /** `registerRoute('PUT', …)`. */
  put<P extends string>(path: P, handler: Handler<PathParams<P>>, options?: RouteOptions): this {
    return this.registerRoute('PUT', path, handler, options)
  }

  /** `registerRoute('PATCH', …)`. */
  patch<P extends string>(path: P, handler: Handler<PathParams<P>>, options?: RouteOptions): this {
    return this.registerRoute('PATCH', path, handler, options)
  }

  /** `registerRoute('DELETE', …)`. */
  delete<P extends string>(path: P, handler: Handler<PathParams<P>>, options?: RouteOptions): this {
    return this.registerRoute('DELETE', path, handler, options)
  }

  /** `registerRoute('OPTIONS', …)`. */
  options<P extends string>(path: P, handler: Handler<PathParams<P>>, options?: RouteOptions): this {
    return this.registerRoute('OPTIONS', path, handler, options)
  }

  /** `registerRoute('HEAD', …)` (without one, HEAD is served by the GET route, body dropped). */
  head<P extends string>(path: P, handler: Handler<PathParams<P>>, options?: RouteOptions): this {
    return this.registerRoute('HEAD', path, handler, options)
  }

  /** `registerRoute('QUERY', …)`. */
  query<P extends string>(path: P, handler: Handler<PathParams<P>>, options?: RouteOptions): this {
    return this.registerRoute('QUERY', path, handler, options)
  }

  /**
   * `registerRoute('*', …)`: a route for every method (tiny_httpd's `add_route_handler`
   * without `?meth`); `req.method` tells which one came.
   *
   * @example
   * ```ts
   * server.all('/webhook', (req) => ({ method: req.method }))
   * ```
   */
  all<P extends string>(path: P, handler: Handler<PathParams<P>>, options?: RouteOptions): this {
    return this.registerRoute('*', path, handler, options)
  }

  /**
   * Adds a middleware for every route: `'encoding'` outermost, then stages ascending.
   *
   * @example
   * ```ts
   * server.use(async (req, res, next) => { res.setHeader('X-Powered-By', 'portico'); await next() })
   * ```
   */
  use(middleware: Middleware, options: StageOptions = {}): this {
    this.middleware.use(middleware, options)
    return this
  }

  /** Answers handler errors yourself (else: HttpError → its status, others → 500). */
  setErrorHandler(handler: ErrorHandler | undefined): this {
    this.errorHandler = handler
    return this
  }

  /**
   * The request limit, clamped between 1 KiB and 1 MiB (the seed's bounds). For a larger limit
   * (uploads), use the `maxRequestSize` option of `createServer` or of a route: they take any size.
   */
  setMaxRequestSize(size: number): void {
    this.maxRequestSize = Math.min(MAX_REQUEST_SIZE, Math.max(MIN_REQUEST_SIZE, Math.floor(size)))
  }

  /** The body limit for buffered bodies, in bytes. */
  getMaxRequestSize(): number {
    return this.maxRequestSize
  }

  /**
   * Starts listening; resolves when listening. `bindAddress` `'*'` is dual-stack, `'0.0.0.0'`
   * IPv4; `port` 0 picks a free port. Also takes an existing `net.Server`, `{ fd }` or `{ handle }`.
   * The seed's positional form `listen(port, bindAddress, useTls, tlsKey, tlsCert)` works too.
   *
   * @example
   * ```ts
   * await server.listen(8443, '*', { tls: { key: 'key.pem', cert: 'cert.pem' } })
   * await HTTPServer.listen(8081, '*', false, '', '')           // the seed's own example
   * ```
   */
  async listen(port?: ListenTarget, bindAddress?: string, options?: ListenOptions): Promise<this>
  async listen(port: ListenTarget, bindAddress: string, useTls: boolean, tlsKey?: string, tlsCert?: string): Promise<this>
  async listen(port: ListenTarget = 0, bindAddress = '*', third: ListenOptions | boolean = {}, tlsKey = '', tlsCert = ''): Promise<this> {
    const given: ListenOptions = typeof third === 'boolean' ? (third ? { tls: { key: tlsKey, cert: tlsCert } } : {}) : third
    if (this.listener !== undefined) throw new PorticoError('PORTICO_ERR_ALREADY_LISTENING')
    const bufSize = this.config.bufSize
    const options = given.highWaterMark === undefined && bufSize !== undefined ? { ...given, highWaterMark: bufSize } : given
    this.stopping = false
    const { listener, owned } = await openListener(port, bindAddress, options, this.acceptSocket)
    this.listener = listener
    this.ownsListener = owned
    this.startSweep()
    this.afterInit?.(this)
    return this
  }

  /**
   * tiny_httpd's `run`: listens on the `sock`, or the `addr`:`port`, given to `createServer`
   * (defaults `'127.0.0.1'`:8080), calls `afterInit` once listening (after the option's), and
   * settles when the server stops: `{ ok: true }` after `stop()` (graceful or not), `{ ok:
   * false, error }` when listening fails (`EADDRINUSE`…), the listener fails, or `afterInit`
   * throws (the server is then stopped). It never rejects.
   *
   * @example
   * ```ts
   * const server = createServer({ port: 8080 })
   * server.get('/', () => 'hello')
   * const result = await server.run(() => console.log('listening on', server.port))
   * if (!result.ok) console.error(result.error)
   * ```
   */
  run(afterInit?: (server: Server) => void): Promise<RunResult> {
    return runServer(this, afterInit)
  }

  /**
   * tiny_httpd's `run_exn`: {@link Server.run}, resolving once stopped and rejecting with the error.
   *
   * @example
   * ```ts
   * await createServer({ addr: '::', port: 8080 }).runExn()
   * ```
   */
  async runExn(afterInit?: (server: Server) => void): Promise<void> {
    const result = await runServer(this, afterInit)
    if (!result.ok) throw result.error
  }

  /** Whether the server listens. */
  isListening(): boolean {
    return this.listener !== undefined && this.listener.listening
  }

  /**
   * tiny_httpd's `running`: {@link Server.isListening}.
   *
   * @example
   * ```ts
   * if (server.running) await server.stop()
   * ```
   */
  get running(): boolean {
    return this.isListening()
  }

  /** The port listened on (0 when not listening). */
  getPort(): number {
    const address = this.listener?.address()
    return typeof address === 'object' && address !== null ? address.port : 0
  }

  /**
   * tiny_httpd's `port`: the port listened on (the one picked when 0 was asked), or, before
   * listening, the `port` option (default 8080). `getPort()` gives 0 before listening.
   *
   * @example
   * ```ts
   * const server = createServer({ port: 0 })
   * void server.run(() => console.log(server.port)) // e.g. 43117
   * ```
   */
  get port(): number {
    return this.isListening() ? this.getPort() : this.config.port
  }

  /**
   * tiny_httpd's `addr`: the address listened on (`'127.0.0.1'`, `'::'` for `'*'`…), or,
   * before listening, the `addr` option (default `'127.0.0.1'`).
   *
   * @example
   * ```ts
   * await server.listen(0); server.getAddress() // '::' (dual-stack)
   * ```
   */
  getAddress(): string {
    const address = this.isListening() ? this.listener?.address() : undefined
    if (typeof address === 'string') return address
    return address?.address ?? this.config.addr
  }

  /**
   * tiny_httpd's `is_ipv6`: whether {@link Server.getAddress} is an IPv6 address.
   *
   * @example
   * ```ts
   * createServer({ addr: '::1' }).isIPv6() // true
   * ```
   */
  isIPv6(): boolean {
    return net.isIPv6(this.getAddress())
  }

  /** Connections open now. */
  get activeConnections(): number {
    return this.connections.size
  }

  /**
   * Serves HTTP/1.1 on any duplex stream (a socket, a TLS socket, an in-memory pair).
   *
   * @example
   * ```ts
   * server.serve(tlsSocket)
   * ```
   */
  serve(stream: Duplex): Connection {
    this.startSweep()
    this.clock = this.readClock()
    const conn = new Connection(this, stream)
    this.connections.add(conn)
    return conn
  }

  /** @internal a new socket from the listener: served (through `newThread`), or held unread past `maxConnections` */
  accept(socket: Duplex): void {
    this.admission.accept(socket)
  }

  /** @internal a connection closed or was handed over */
  connectionClosed(conn: Connection): void {
    this.connections.delete(conn)
    this.admission.closed(conn)
    if (this.connections.size === 0 && this.drainWaiters.length > 0) for (const resolve of this.drainWaiters.splice(0)) resolve()
  }

  /** @internal resolves once no connection is left (every caller: stop() may run twice at once) */
  whenDrained(): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.drainWaiters.push(resolve))
  }

  /**
   * Stops: no new connections; in-flight requests finish (answered with `Connection: close`),
   * idle keep-alive connections close at once; what remains at `timeout` is closed by force.
   * Resolves when every socket is gone.
   *
   * @example
   * ```ts
   * await server.stop({ graceful: true, timeout: 5000 })
   * ```
   */
  async stop(options: StopOptions = {}): Promise<void> {
    this.stopping = true
    const listener = this.listener
    this.listener = undefined
    this.admission.dropAll()
    try {
      await stopServer(this, listener, this.ownsListener, this.acceptSocket, this.stopHooks, options)
    } finally {
      this.stopSweep?.()
      this.stopSweep = undefined
      for (const resolve of this.stopWaiters.splice(0)) resolve()
    }
  }

  /** @internal resolves at the end of the next `stop()` */
  whenStopped(): Promise<void> {
    return new Promise((resolve) => this.stopWaiters.push(resolve))
  }

  /** @internal the listening `net.Server`, if any */
  get netServer(): net.Server | undefined {
    return this.listener
  }

  /**
   * Runs `hook(req, res)` right before the head of every response of this server is written,
   * whoever writes it: handlers, streams, and the engine's own answers for a request (404/405,
   * 413, 400 on bad JSON, 408, 503, 500), whose headers replace the ones set before. `hook`
   * may set headers (CORS does); it must be synchronous. Answers written before a request
   * exists (a head the parser refused, a head that timed out) do not run it.
   *
   * @example
   * ```ts
   * server.onResponseHead((req, res) => res.setHeader('X-Request-Path', req.path))
   * ```
   */
  onResponseHead(hook: (req: PorticoRequest<any>, res: PorticoResponse) => void): void {
    this.headHooks.push(hook)
  }

  /** Runs `hook` during `stop()`, before sockets are closed (SSE, WebSocket owners). */
  onStop(hook: (graceful: boolean) => Promise<void> | void): void {
    this.stopHooks.push(hook)
  }

  /**
   * Runs a request through the engine with no network (for tests).
   *
   * @example
   * ```ts
   * const r = await server.inject({ method: 'POST', url: '/echo', body: 'hi' })
   * r.statusCode; r.text()
   * ```
   */
  inject(request: InjectRequest): Promise<InjectResponse> {
    return inject(this, request)
  }

  /** @internal reports an internal failure through `serverError` */
  emitError(message: string, error: unknown): void {
    if (this.listenerCount('serverError') > 0) this.emit('serverError', message, error)
    else console.error(`portico: ${message}`, error)
  }

  private makeEntry(handler: Handler<any>, options: RouteOptions): RouteEntry {
    const own = options.middlewares ?? []
    return {
      handler,
      options,
      chain: this.middleware.compose(endpointFor(handler), own),
      ownMiddlewares: own.length > 0,
    }
  }

  private startSweep(): void {
    if (this.stopSweep !== undefined) return
    this.clock = this.readClock()
    this.stopSweep = startSweep(this, sweepInterval(this.config))
  }
}

/**
 * Creates a server.
 *
 * @example
 * ```ts
 * const server = createServer({ maxConcurrentRequests: 64 })
 * ```
 */
export function createServer(options?: ServerOptions): Server {
  return new Server(options)
}

/**
 * The default server instance, as the seed's `HTTPServer` singleton.
 *
 * @example
 * ```ts
 * HTTPServer.get('/', () => 'Hello')
 * await HTTPServer.listen(8080)
 * ```
 */
export const HTTPServer: Server = new Server()
