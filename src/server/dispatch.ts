/**
 * From a parsed head to a running handler: route lookup, the body limit (413 from
 * `Content-Length` alone), the route's `accept` check, `100 Continue`, then the handler through
 * the concurrency limiter. Also how a handler's return value and errors become a response.
 * @module
 */
import { HttpError, PorticoError } from '../errors.js'
import { reasonPhrase } from '../http1/response-code.js'
import type { BodyReader } from './body-reader.js'
import type { Connection } from './connection.js'
import type { PorticoRequest } from './request.js'
import type { PorticoResponse } from './response.js'
import type { Handler, RouteOptions } from './types.js'
import type { Server } from './server.js'
import type { RouteLookup } from '../router/router.js'

/**
 * A registered route as the server stores it in the router.
 *
 * @example
 * ```ts
 * server.router.lookup('GET', '/users/1') // { kind: 'found', value: RouteEntry, … }
 * ```
 */
export interface RouteEntry {
  readonly handler: Handler<any>
  readonly options: RouteOptions
  /** Middlewares (server-wide and the route's) around the handler; it settles the value itself. */
  readonly chain: (req: PorticoRequest<any>, res: PorticoResponse) => Promise<void>
  /** The route has middlewares of its own. */
  readonly ownMiddlewares: boolean
}

/**
 * Routes a request whose head was just parsed and starts its handler. Returns the body limit
 * the connection enforces while reading the body.
 *
 * @example
 * ```ts
 * const limit = startRequest(server, req, res, connection)
 * ```
 */
export function startRequest(server: Server, req: PorticoRequest<any>, res: PorticoResponse, conn: Connection | undefined): number {
  const found = server.router.lookup(req.method, req.rawPath)
  let entry: RouteEntry | undefined
  switch (found.kind) {
    case 'found':
      entry = found.value
      req.params = found.params
      break
    case 'not-found':
    case 'method-not-allowed':
      entry = server.topEntry
      if (entry === undefined) return unmatched(server, req, res, found)
      break
    default:
      return unmatched(server, req, res, found)
  }
  const options = entry.options
  const limit = options.maxRequestSize ?? (options.stream === true ? Infinity : server.maxRequestSize)
  req.bodyLimit = limit
  const hasBody = req.bodyReader !== undefined
  if (req.head.contentLength > limit) return reject(res, conn, 413, undefined)
  if (options.accept !== undefined) {
    let verdict: true | [number, string]
    try {
      verdict = options.accept(req)
    } catch (err) {
      server.emitError(`accept() failed for ${req.method} ${req.path}`, err)
      verdict = [500, 'Internal Server Error']
    }
    if (verdict !== true) return reject(res, conn, verdict[0], verdict[1])
  }
  if (hasBody && options.stream === true) (req.bodyReader as BodyReader).streaming = true
  if (hasBody && req.head.expectContinue && conn !== undefined) conn.writeContinue(res)
  server.limiter.run(req, res, entry)
  return limit
}

/**
 * A request no route took: answered at once when the server has no middleware, else through
 * the server's middlewares (CORS, the logger…) with the answer as the innermost handler.
 */
function unmatched(server: Server, req: PorticoRequest<any>, res: PorticoResponse, found: RouteLookup<RouteEntry>): number {
  if (server.middleware.size === 0) answerLookup(req, res, found)
  else {
    req.unmatched = found
    server.limiter.run(req, res, server.unmatchedEntry)
  }
  return server.maxRequestSize
}

/**
 * The handler of the requests no route took: 404, 405 with `Allow`, 204 with `Allow` for an
 * automatic `OPTIONS`, 308 to the canonical path (the query kept).
 *
 * @example
 * ```ts
 * const entry = makeEntry(answerUnmatched, {}) // what the server does once
 * ```
 */
export function answerUnmatched(req: PorticoRequest<any>, res: PorticoResponse): void {
  answerLookup(req, res, req.unmatched as RouteLookup<RouteEntry>)
}

function answerLookup(req: PorticoRequest<any>, res: PorticoResponse, found: RouteLookup<RouteEntry>): void {
  switch (found.kind) {
    case 'options':
      res.setStatus(204).setHeader('Allow', found.allow.join(', '))
      res.end()
      return
    case 'redirect': {
      const q = req.url.indexOf('?')
      res.setStatus(308).setHeader('Location', q < 0 ? found.location : found.location + req.url.slice(q))
      res.end()
      return
    }
    case 'method-not-allowed':
      res.setStatus(405).setHeader('Allow', found.allow.join(', '))
      res.send(reasonPhrase(405) + '\n')
      return
    default:
      res.setStatus(404)
      res.send(reasonPhrase(404) + '\n')
  }
}

/** Answers before the body is read; a request with a body then closes the connection. */
function reject(res: PorticoResponse, conn: Connection | undefined, status: number, message: string | undefined): number {
  if (res.req.bodyReader !== undefined) {
    res.keepAlive = false
    conn?.stopReading()
  }
  answerError(res, status, message)
  return Infinity
}

/**
 * Answers `status` with a short text body (the reason phrase unless `message` is given),
 * dropping the headers set so far.
 *
 * @example
 * ```ts
 * answerError(res, 503, undefined, { 'Retry-After': '1' })
 * ```
 */
export function answerError(res: PorticoResponse, status: number, message?: string, headers?: Record<string, string>): void {
  if (res.finished || res.headersSent) return
  res.release(true, false)
  res.resetHeaders()
  res.statusCode = status
  if (headers !== undefined) for (const name of Object.keys(headers)) res.setHeader(name, headers[name])
  res.send((message ?? (reasonPhrase(status) || 'Error')) + '\n')
}

/**
 * Runs a route: the handler (with its middlewares) and then {@link settle} with its value.
 * Without middlewares a synchronous handler runs and answers with no promise at all.
 *
 * @example
 * ```ts
 * await runRoute(server, req, res, entry)
 * ```
 */
export function runRoute(server: Server, req: PorticoRequest<any>, res: PorticoResponse, entry: RouteEntry): Promise<void> | void {
  if (res.finished) return
  try {
    if (entry.ownMiddlewares || server.middleware.size > 0) {
      res.deferred = true
      return entry.chain(req, res).then(
        () => res.release(false, true),
        (err: unknown) => handleError(server, req, res, err),
      )
    }
    const value = entry.handler(req, res)
    if (value instanceof Promise) {
      return value.then(
        (v: unknown) => settleSafely(server, req, res, v),
        (err: unknown) => handleError(server, req, res, err),
      )
    }
    const done = settle(res, value)
    if (done !== undefined) return done.catch((err: unknown) => handleError(server, req, res, err))
  } catch (err) {
    return handleError(server, req, res, err)
  }
}

function settleSafely(server: Server, req: PorticoRequest<any>, res: PorticoResponse, value: unknown): void | Promise<void> {
  try {
    const done = settle(res, value)
    if (done !== undefined) return done.catch((err: unknown) => handleError(server, req, res, err))
  } catch (err) {
    return handleError(server, req, res, err)
  }
}

/**
 * The innermost function of a middleware chain: runs the handler and settles its value.
 *
 * @example
 * ```ts
 * const chain = server.middleware.compose(endpointFor(handler), routeMiddlewares)
 * ```
 */
export function endpointFor(handler: Handler<any>): (req: PorticoRequest<any>, res: PorticoResponse) => Promise<void> {
  return async (req, res) => {
    const value: unknown = await handler(req, res)
    await settle(res, value)
  }
}

/**
 * Turns what a handler returned into the response, unless it already answered.
 *
 * @example
 * ```ts
 * settle(res, { ok: true }) // JSON; settle(res, 'hi') // text
 * ```
 */
export function settle(res: PorticoResponse, value: unknown): void | Promise<void> {
  if (res.answered) return
  if (value === undefined) return res.end()
  if (typeof value === 'string' || value instanceof Uint8Array) return res.send(value)
  if (value !== null && typeof value === 'object' && Symbol.asyncIterator in value) return res.send(value as AsyncIterable<Uint8Array>)
  res.setJson(value)
}

function finishIfOpen(res: PorticoResponse): void {
  if (!res.finished && !res.headersSent) res.end()
}

/**
 * Answers a handler's error: the error handler if set, else HttpError's status, else 500.
 *
 * @example
 * ```ts
 * pending.catch((err) => handleError(server, req, res, err))
 * ```
 */
export function handleError(server: Server, req: PorticoRequest<any>, res: PorticoResponse, err: unknown): void | Promise<void> {
  res.release(true, false)
  const custom = server.errorHandler
  if (custom !== undefined && !res.headersSent && !res.finished) {
    try {
      const r = custom(err, req, res)
      if (r instanceof Promise) return r.then(() => finishIfOpen(res), (e: unknown) => defaultError(server, req, res, e))
      finishIfOpen(res)
      return
    } catch (e) {
      err = e
    }
  }
  defaultError(server, req, res, err)
}

function defaultError(server: Server, req: PorticoRequest<any>, res: PorticoResponse, err: unknown): void {
  const expected = err instanceof HttpError || (err instanceof PorticoError && err.status !== undefined && err.status < 500)
  if (res.finished || res.headersSent) {
    if (!expected && !isConnectionLoss(err)) server.emitError(`Handler failed after answering: ${req.method} ${req.path}`, err)
    if (!res.finished) res.sink.destroy()
    return
  }
  if (err instanceof HttpError) return answerError(res, err.status ?? 500, err.message, err.headers)
  if (expected) return answerError(res, (err as PorticoError).status as number)
  if (isConnectionLoss(err)) return
  server.emitError(`Handler failed: ${req.method} ${req.path}`, err)
  answerError(res, 500)
}

function isConnectionLoss(err: unknown): boolean {
  return err instanceof PorticoError && err.code === 'PORTICO_ERR_CONNECTION_CLOSED'
}
