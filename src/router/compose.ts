/**
 * The middleware pipeline, after tiny_httpd's `add_middleware ~stage`: the `'encoding'` stage
 * is outermost (compression wraps everything), then numeric stages in increasing order (≥ 1,
 * default 1), registration order within a stage, and a route's own middlewares innermost,
 * just around the handler. Generic over the request and response types, so `router/` never
 * imports `server/`.
 * @module
 */
import { PorticoError } from '../errors.js'

/**
 * Runs the rest of the chain; resolves when the inner layers and the handler are done.
 *
 * @example
 * ```ts
 * const mw: Middleware<Req, Res> = async (req, res, next: Next) => { await next() }
 * ```
 */
export type Next = () => Promise<void>

/**
 * A middleware: acts before and/or after `await next()`, or answers without calling `next`.
 * Throwing (or rejecting) sends the error out to the caller (the server's error handler).
 *
 * @example
 * ```ts
 * const timing: Middleware<Req, Res> = async (req, res, next) => {
 *   const t0 = performance.now()
 *   await next()
 *   res.setHeader('Server-Timing', `app;dur=${performance.now() - t0}`)
 * }
 * ```
 */
export type Middleware<Req = unknown, Res = unknown> = (req: Req, res: Res, next: Next) => unknown

/**
 * The innermost function of a chain (the route handler, adapted by the server).
 *
 * @example
 * ```ts
 * const endpoint: Endpoint<Req, Res> = async (req, res) => { res.send('hi') }
 * ```
 */
export type Endpoint<Req, Res> = (req: Req, res: Res) => Promise<void>

/**
 * `'encoding'` (outermost) or an integer ≥ 1 (lower runs first).
 *
 * @example
 * ```ts
 * const stage: Stage = 'encoding'
 * ```
 */
export type Stage = 'encoding' | number

/**
 * Options of {@link MiddlewareStack.use}.
 *
 * @example
 * ```ts
 * stack.use(auth, { stage: 2 } satisfies StageOptions)
 * ```
 */
export interface StageOptions {
  /** Default 1. */
  stage?: Stage
}

interface Layer<Req, Res> {
  readonly middleware: Middleware<Req, Res>
  readonly rank: number
}

const RESOLVED: Promise<void> = Promise.resolve()

/** Rank of a stage: 0 for `'encoding'`, the stage number otherwise. */
function rankOf(stage: Stage): number {
  if (stage === 'encoding') return 0
  if (typeof stage === 'number' && Number.isInteger(stage) && stage >= 1) return stage
  throw new PorticoError('PORTICO_ERR_MIDDLEWARE_INVALID_STAGE', `Invalid middleware stage ${JSON.stringify(stage)} (use 'encoding' or an integer >= 1)`)
}

/**
 * Runs `outer` then `inner` middlewares around `final` for one request.
 * `next()` called twice by one middleware throws `PORTICO_ERR_MIDDLEWARE_NEXT_CALLED_TWICE`.
 * A middleware that calls `next()` without awaiting it (or without returning a promise) is
 * still waited for, and the inner chain's error then goes out; a middleware that awaited
 * `next()` saw the inner outcome itself, and what it does with an error stands.
 */
function run<Req, Res>(
  outer: readonly Middleware<Req, Res>[],
  inner: readonly Middleware<Req, Res>[],
  final: Endpoint<Req, Res>,
  req: Req,
  res: Res,
): Promise<void> {
  const total = outer.length + inner.length
  let reached = -1
  const dispatch = (i: number): Promise<void> => {
    reached = i
    if (i === total) return final(req, res)
    const middleware = i < outer.length ? outer[i] : inner[i - outer.length]
    let downstream: Promise<void> | undefined
    let settled = false
    const markSettled = (): void => {
      settled = true
    }
    const next: Next = () => {
      if (reached > i) throw new PorticoError('PORTICO_ERR_MIDDLEWARE_NEXT_CALLED_TWICE')
      downstream = dispatch(i + 1)
      // Registered before the middleware can await it, so it runs first when it settles.
      downstream.then(markSettled, markSettled)
      return downstream
    }
    const result = middleware(req, res, next)
    if (result instanceof Promise) return result.then(() => (settled ? undefined : downstream))
    return downstream ?? RESOLVED
  }
  try {
    return dispatch(0)
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * An ordered set of middlewares, by stage.
 *
 * @example
 * ```ts
 * const stack = new MiddlewareStack<Req, Res>()
 * stack.use(compress, { stage: 'encoding' })
 * stack.use(logger())                        // stage 1
 * const handle = stack.compose(async (req, res) => { res.send('hi') })
 * await handle(req, res)
 * ```
 */
export class MiddlewareStack<Req, Res> {
  #layers: Layer<Req, Res>[] = []
  #ordered: Middleware<Req, Res>[] = []

  /**
   * Adds a middleware at a stage (default 1). Throws `PORTICO_ERR_MIDDLEWARE_INVALID_STAGE`
   * for a stage that is neither `'encoding'` nor an integer ≥ 1.
   *
   * @example
   * ```ts
   * stack.use(auth, { stage: 2 })
   * ```
   */
  use(middleware: Middleware<Req, Res>, options: StageOptions = {}): this {
    if (typeof middleware !== 'function') throw new TypeError('A middleware must be a function')
    const rank = rankOf(options.stage ?? 1)
    this.#layers.push({ middleware, rank })
    this.#ordered = this.#layers
      .map((layer, order) => ({ layer, order }))
      .sort((a, b) => a.layer.rank - b.layer.rank || a.order - b.order)
      .map(({ layer }) => layer.middleware)
    return this
  }

  /** The number of middlewares. */
  get size(): number {
    return this.#layers.length
  }

  /**
   * The middlewares in the order they run (outermost first).
   *
   * @example
   * ```ts
   * stack.middlewares().length
   * ```
   */
  middlewares(): readonly Middleware<Req, Res>[] {
    return this.#ordered.slice()
  }

  /**
   * Builds the function that runs the chain around `final`, with `routeMiddlewares` innermost.
   * The result follows later `use()` calls. With no middleware at all it calls `final`
   * directly, allocating nothing per request.
   *
   * @example
   * ```ts
   * const handle = stack.compose(endpoint, [requireAuth])
   * await handle(req, res) // errors reject here, for the server's error handler
   * ```
   */
  compose(final: Endpoint<Req, Res>, routeMiddlewares: readonly Middleware<Req, Res>[] = []): Endpoint<Req, Res> {
    const inner = routeMiddlewares.slice()
    return (req: Req, res: Res): Promise<void> => {
      const outer = this.#ordered
      if (outer.length === 0 && inner.length === 0) {
        try {
          return final(req, res)
        } catch (error) {
          return Promise.reject(error)
        }
      }
      return run(outer, inner, final, req, res)
    }
  }
}
