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

/** Handlers routed but not started yet (`startRequest(…, false)`), started by {@link runHeld}. */
const held = new WeakMap<PorticoResponse, RouteEntry>()

/**
 * When {@link startRequest} starts the handler: at once (`'now'`), or only through
 * {@link runHeld}: an upgrade request once its body is read and the parser has switched
 * (`'upgrade'`), or a request whose connection's output is backed up (`'output'`).
 *
 * @example
 * ```ts
 * const hold: Hold = head.upgrade ? 'upgrade' : 'now'
 * ```
 */
export type Hold = 'now' | 'upgrade' | 'output'

/**
 * Routes a request whose head was just parsed and starts its handler. Returns the body limit
 * the connection enforces while reading the body. Unless `hold` is `'now'` the handler is
 * routed and checked but only started by {@link runHeld}; an upgrade request's body is then
 * buffered, within the server's limit even on a `stream` route.
 *
 * @example
 * ```ts
 * const limit = startRequest(server, req, res, connection)
 * ```
 */
export function startRequest(server: Server, req: PorticoRequest<any>, res: PorticoResponse, conn: Connection | undefined, hold: Hold = 'now'): number {
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
      if (entry === undefined) return unmatched(server, req, res, conn, found, hold)
      break
    default:
      return unmatched(server, req, res, conn, found, hold)
  }
  const options = entry.options
  let limit = options.maxRequestSize ?? (options.stream === true ? Infinity : server.maxRequestSize)
  if (hold === 'upgrade' && limit === Infinity) limit = server.maxRequestSize
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
  if (hasBody && options.stream === true && hold !== 'upgrade') (req.bodyReader as BodyReader).streaming = true
  if (hasBody && req.head.expectContinue && conn !== undefined) conn.writeContinue(res)
  if (hold === 'now') server.limiter.run(req, res, entry)
  else held.set(res, entry)
  return limit
}

/**
 * Starts the handler that `startRequest(…, false)` routed, if it did not answer at once.
 *
 * @example
 * ```ts
 * runHeld(server, res) // the upgrade request's body is read and its head bytes known
 * ```
 */
export function runHeld(server: Server, res: PorticoResponse): void {
  const entry = held.get(res)
  if (entry === undefined) return
  held.delete(res)
  server.limiter.run(res.req, res, entry)
}

/**
 * Whether `res` was routed with a hold and its handler waits for {@link runHeld}.
 *
 * @example
 * ```ts
 * startRequest(server, req, res, connection, 'output')
 * if (isHeld(res)) park(res) // not when it was answered at once (404, 413…)
 * ```
 */
export function isHeld(res: PorticoResponse): boolean {
  return held.has(res)
}

/**
 * A request no route took: answered at once when the server has no middleware, else through
 * the server's middlewares (CORS, the logger…) with the answer as the innermost handler.
 * No `100 Continue` is sent for it: a client that waits for one before sending its body
 * (RFC 9110 §10.1.1) sends none, so the connection closes after the answer rather than read
 * the client's next request as that body.
 */
function unmatched(server: Server, req: PorticoRequest<any>, res: PorticoResponse, conn: Connection | undefined, found: RouteLookup<RouteEntry>, hold: Hold): number {
  const noContinue = req.bodyReader !== undefined && req.head.expectContinue
  if (noContinue) {
    res.keepAlive = false
    conn?.stopReading()
  }
  if (server.middleware.size === 0) {
    answerLookup(req, res, found)
    handlerSettled(res)
  } else {
    req.unmatched = found
    // a connection that stops reading never switches protocols: run now, not after the switch
    if (hold === 'now' || noContinue) server.limiter.run(req, res, server.unmatchedEntry)
    else held.set(res, server.unmatchedEntry)
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
      res.setStatus(308).setHeader('Location', found.location + req.search)
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

/**
 * Answers before the body is read (and without `100 Continue`); a request with a body then
 * closes the connection.
 */
function reject(res: PorticoResponse, conn: Connection | undefined, status: number, message: string | undefined): number {
  if (res.req.bodyReader !== undefined) {
    res.keepAlive = false
    conn?.stopReading()
  }
  answerError(res, status, message)
  handlerSettled(res)
  return Infinity
}

/**
 * No handler runs for `res` any more (it settled, or none will run): a request body nobody
 * claimed is dropped, so that the connection reads on (a body read later is refused with
 * `PORTICO_ERR_BODY_DISCARDED`, never truncated).
 *
 * @example
 * ```ts
 * answerError(res, 503); handlerSettled(res)
 * ```
 */
export function handlerSettled(res: PorticoResponse): void {
  res.handlerSettled = true
  res.req.bodyReader?.handlerDone()
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
  // A final answer: a status no handler can have meant (`HttpError(42)`, a 1xx) becomes 500.
  const code = Number.isInteger(status) && status >= 200 && status <= 999 ? status : 500
  const body = (message ?? (reasonPhrase(code) || 'Error')) + '\n'
  res.release(true, false)
  try {
    res.resetHeaders()
    res.statusCode = code
    if (headers !== undefined) for (const name of Object.keys(headers)) res.setHeader(name, headers[name])
    res.send(body)
  } catch {
    // The error answer itself failed (a body encoder or a header value that throws): answer
    // it plainly, or close when part of it already went out.
    if (res.finished || res.headersSent) {
      if (!res.finished) res.sink.destroy()
      return
    }
    res.setBodyEncoder(undefined)
    res.resetHeaders()
    res.statusCode = code
    res.send(body)
  }
}

/**
 * Runs a route: the handler (with its middlewares) and then {@link settle} with its value;
 * then {@link handlerSettled}. Without middlewares a synchronous handler runs and answers with
 * no promise at all.
 *
 * @example
 * ```ts
 * await runRoute(server, req, res, entry)
 * ```
 */
export function runRoute(server: Server, req: PorticoRequest<any>, res: PorticoResponse, entry: RouteEntry): Promise<void> | void {
  const done = runHandler(server, req, res, entry)
  if (done === undefined) return handlerSettled(res)
  return done.then(
    () => handlerSettled(res),
    (err: unknown) => {
      handlerSettled(res)
      throw err
    },
  )
}

function runHandler(server: Server, req: PorticoRequest<any>, res: PorticoResponse, entry: RouteEntry): Promise<void> | void {
  if (res.finished) return
  try {
    if (entry.ownMiddlewares || server.middleware.size > 0) {
      res.deferred = true
      // `release` writes the held body (through a body encoder that may throw): its error is
      // the route's error too.
      return entry.chain(req, res)
        .then(() => res.release(false, true))
        .catch((err: unknown) => handleError(server, req, res, err))
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
 * Turns what a handler returned into the response, unless it already answered. An answer
 * still under way (`res.send(stream)`, `res.sendFile()` not awaited) is waited for; one that
 * already failed is thrown when the handler returned nothing (it is then the answer).
 *
 * @example
 * ```ts
 * settle(res, { ok: true }) // JSON; settle(res, 'hi') // text
 * ```
 */
export function settle(res: PorticoResponse, value: unknown): void | Promise<void> {
  if (value === undefined) {
    const failure = res.takeFailure()
    if (failure !== undefined) throw failure.error
  }
  if (res.answered) return res.pendingWork
  if (value === undefined) return res.end()
  if (typeof value === 'string' || value instanceof Uint8Array) return res.send(value)
  if (value !== null && typeof value === 'object' && Symbol.asyncIterator in value) return res.send(value as AsyncIterable<Uint8Array>)
  res.setJson(value)
}

/** After the error handler: ends a response it left open, or waits for the answer it started. */
function finishIfOpen(server: Server, req: PorticoRequest<any>, res: PorticoResponse): void | Promise<void> {
  if (!res.answered) return res.end()
  const work = res.pendingWork
  if (work !== undefined) return work.catch((e: unknown) => defaultError(server, req, res, e))
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
      if (r instanceof Promise) return r.then(() => finishIfOpen(server, req, res), (e: unknown) => defaultError(server, req, res, e))
      return finishIfOpen(server, req, res)
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
