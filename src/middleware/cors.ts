/**
 * `cors(options)`: answers CORS preflights (204, methods from the route table) and adds the
 * CORS headers to every other response, error responses included.
 * @module
 */
import type { PorticoRequest } from '../server/request.js'
import type { PorticoResponse } from '../server/response.js'
import type { Middleware } from '../server/types.js'
import { CorsPolicy, type CorsOptions, type HeaderPair } from './cors-policy.js'
import { addVary } from './vary.js'

/**
 * Whether a request is a CORS preflight: `OPTIONS` with `Origin` and
 * `Access-Control-Request-Method` (Fetch standard §3.2.2).
 *
 * @example
 * ```ts
 * if (isPreflight(req)) return answerPreflight(req, res)
 * ```
 */
export function isPreflight(req: PorticoRequest<any>): boolean {
  return req.method === 'OPTIONS' && req.getHeader('origin') !== undefined && req.getHeader('access-control-request-method') !== undefined
}

/**
 * The methods the route table has for the request's path (`Allow` order).
 *
 * @example
 * ```ts
 * routeMethods(req) // ['GET', 'HEAD', 'OPTIONS', 'POST']
 * ```
 */
export function routeMethods(req: PorticoRequest<any>): string[] {
  return req.server.router.allowedMethods(req.rawPath)
}

function apply(res: PorticoResponse, headers: readonly HeaderPair[]): void {
  for (const [name, value] of headers) {
    if (name === 'Vary') for (const token of value.split(', ')) addVary(res, token)
    else res.setHeader(name, value)
  }
}

/** The response carries CORS headers already (set by the middleware, kept by `onHead`). */
const APPLIED = new WeakSet<PorticoResponse>()

/**
 * Runs the CORS protocol for one request with a policy: a preflight is answered (204) here;
 * any other request gets its headers now, and again right before its head is written
 * (`res.onHead`), so that an error answer that replaced the headers still carries them.
 * Resolves `true` when the request was fully answered: by the preflight answer, or by the
 * engine while an origin function was awaited (a 413 for a body over the limit, a 408), in
 * which case nothing more is set and no handler should run.
 *
 * The headers of an actual request are applied before this returns unless the origin
 * function answers with a promise, so that an engine answer that follows still carries them.
 *
 * @example
 * ```ts
 * if ((await applyCors(policy, req, res)) || answeredMeanwhile(res)) return
 * await next()
 * ```
 */
export async function applyCors(policy: CorsPolicy, req: PorticoRequest<any>, res: PorticoResponse): Promise<boolean> {
  const origin = req.getHeader('origin')
  if (isPreflight(req)) {
    const headers = await policy.preflightHeaders(origin, req.getHeader('access-control-request-headers'), routeMethods(req))
    if (answeredMeanwhile(res)) return true
    APPLIED.add(res)
    res.setStatus(204)
    apply(res, headers)
    res.end()
    return true
  }
  const soon = policy.actualHeadersSoon(origin)
  const headers = soon instanceof Promise ? await soon : soon
  if (answeredMeanwhile(res)) return true
  APPLIED.add(res)
  if (headers.length === 0) return false
  apply(res, headers)
  res.onHead((r) => apply(r, headers))
  return false
}

/**
 * Whether the engine answered while a middleware was waiting (the policy, or the tick of
 * `await applyCors`): a 413 for a body over the limit, a 408. Such an answer got the
 * synchronous CORS headers of `applyCorsNow` when installed by `server.cors()`.
 *
 * @example
 * ```ts
 * if ((await applyCors(policy, req, res)) || answeredMeanwhile(res)) return
 * ```
 */
export function answeredMeanwhile(res: PorticoResponse): boolean {
  return res.headersSent || res.finished
}

/**
 * The CORS headers for an answer no CORS middleware saw (the engine's 413 from
 * `Content-Length`, 503 from a full queue, a refused `accept`), decided synchronously: for a
 * server-wide `server.onResponseHead` hook. Does nothing when `applyCors` ran for the
 * response, or when the policy's origin function answers with a promise.
 *
 * @example
 * ```ts
 * server.onResponseHead((req, res) => applyCorsNow(policy, req, res))
 * ```
 */
export function applyCorsNow(policy: CorsPolicy, req: PorticoRequest<any>, res: PorticoResponse): void {
  if (APPLIED.has(res)) return
  const headers = policy.actualHeadersNow(req.getHeader('origin'))
  if (headers !== undefined) apply(res, headers)
}

/**
 * A middleware adding CORS to every route (use it at an early stage). Preflights to a path
 * without an `OPTIONS` route need a route to reach it: `server.cors()` (see `install.ts`)
 * registers one.
 *
 * @example
 * ```ts
 * server.use(cors({ origin: ['https://app.example'], credentials: true, maxAge: 600 }))
 * ```
 */
export function cors(options: CorsOptions = {}): Middleware {
  const policy = new CorsPolicy(options)
  return async function corsMiddleware(req: PorticoRequest<any>, res: PorticoResponse, next: () => Promise<void>): Promise<void> {
    if ((await applyCors(policy, req, res)) || answeredMeanwhile(res)) return
    return next()
  }
}
