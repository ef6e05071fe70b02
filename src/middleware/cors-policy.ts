/**
 * The CORS decisions of the Fetch standard (§3.2, "CORS protocol"), without I/O: which
 * `Access-Control-*` headers an actual response or a preflight answer carries for a given
 * `Origin`. The {@link cors} middleware applies them.
 * @module
 */

/**
 * Which origins may read responses:
 * - `'*'`: any origin (sent as `*`, or reflected when credentials are allowed, since browsers
 *   refuse `*` with credentials);
 * - a string: that one origin, always sent as is (the seed's `setCorsOrigin`);
 * - `true`: reflect whatever origin asks;
 * - a RegExp, or a list of strings and RegExps: reflect a matching origin;
 * - a function: reflect when it returns true, or send the string it returns (`'*'` is
 *   reflected too when credentials are allowed).
 *
 * With `credentials`, the opaque origin `null` (sandboxed iframes, `file:` and `data:`
 * documents, some redirects: any page can make one) is refused unless the string `'null'` is
 * named: as the origin, in the list, or returned by the function. A wildcard, `true`, a
 * RegExp or a function returning `true` does not let it read credentialed answers.
 */
export type CorsOrigin =
  | string
  | true
  | RegExp
  | readonly (string | RegExp)[]
  | ((origin: string) => boolean | string | Promise<boolean | string>)

/** Options of the CORS policy and of the `cors()` middleware. */
export interface CorsOptions {
  /** Allowed origins. Default `'*'`. */
  readonly origin?: CorsOrigin
  /** Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth). Default false. */
  readonly credentials?: boolean
  /** Methods allowed in preflight answers. Default: the methods the route table has for the path. */
  readonly methods?: readonly string[]
  /** Request headers allowed. Default: those the preflight asks for (reflected). */
  readonly allowedHeaders?: readonly string[]
  /** Response headers the page's script may read (`Access-Control-Expose-Headers`). */
  readonly exposedHeaders?: readonly string[]
  /** How long (seconds) the browser may cache a preflight answer. */
  readonly maxAge?: number
}

/** A header to add: name and value. */
export type HeaderPair = readonly [name: string, value: string]

/** What a policy decided about one origin. */
interface OriginDecision {
  /** The `Access-Control-Allow-Origin` value, or undefined when the origin is not allowed. */
  readonly allow: string | undefined
  /** Whether the answer depends on the `Origin` header (then `Vary: Origin` is due). */
  readonly vary: boolean
}

function isThenable(value: unknown): value is PromiseLike<boolean | string> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

function matches(pattern: string | RegExp, origin: string): boolean {
  return typeof pattern === 'string' ? pattern === origin : pattern.test(origin)
}

/**
 * A compiled CORS policy.
 *
 * @example
 * ```ts
 * const policy = new CorsPolicy({ origin: ['https://a.example'], credentials: true })
 * await policy.actualHeaders('https://a.example')
 * // [['Access-Control-Allow-Origin', 'https://a.example'], ['Vary', 'Origin'],
 * //  ['Access-Control-Allow-Credentials', 'true']]
 * ```
 */
export class CorsPolicy {
  readonly options: CorsOptions

  constructor(options: CorsOptions = {}) {
    this.options = options
  }

  /** Decides the `Access-Control-Allow-Origin` value for a request's `Origin` (maybe absent). */
  async decide(origin: string | undefined): Promise<OriginDecision> {
    return this.decideNow(origin)
  }

  /** {@link decide}, synchronous unless an origin function answers with a promise. */
  private decideNow(origin: string | undefined): OriginDecision | Promise<OriginDecision> {
    const option = this.options.origin ?? '*'
    const credentials = this.options.credentials === true
    if (option === '*') {
      if (!credentials) return { allow: '*', vary: false }
      return { allow: origin === 'null' ? undefined : origin, vary: true }
    }
    if (typeof option === 'string') return { allow: option, vary: false }
    if (origin === undefined) return { allow: undefined, vary: true }
    // With credentials, only an explicit 'null' lets an opaque origin in (see CorsOrigin).
    const opaque = credentials && origin === 'null'
    if (option === true) return { allow: opaque ? undefined : origin, vary: true }
    if (typeof option === 'function') {
      const verdict = option(origin)
      const decided = (v: boolean | string): OriginDecision => {
        if (typeof v === 'string') {
          // '*' cannot go with credentials (browsers refuse the pair): it means "this origin".
          if (v === '*' && credentials) return { allow: opaque ? undefined : origin, vary: true }
          return { allow: v, vary: true }
        }
        return { allow: v === true && !opaque ? origin : undefined, vary: true }
      }
      return isThenable(verdict) ? Promise.resolve(verdict).then(decided) : decided(verdict)
    }
    const list = option instanceof RegExp ? [option] : (option as readonly (string | RegExp)[])
    const allowed = opaque ? list.includes('null') : list.some((p) => matches(p, origin))
    return { allow: allowed ? origin : undefined, vary: true }
  }

  /**
   * Headers for an actual (non-preflight) response, including error responses: Allow-Origin,
   * Vary, Allow-Credentials and Expose-Headers.
   */
  async actualHeaders(origin: string | undefined): Promise<HeaderPair[]> {
    return this.actualFor(await this.decide(origin))
  }

  /**
   * {@link actualHeaders}, computed at once unless an origin function answers with a promise
   * (then a promise of them): the caller applies them before anything else can happen.
   *
   * @example
   * ```ts
   * const headers = policy.actualHeadersSoon(req.getHeader('origin'))
   * apply(res, headers instanceof Promise ? await headers : headers)
   * ```
   */
  actualHeadersSoon(origin: string | undefined): HeaderPair[] | Promise<HeaderPair[]> {
    const decision = this.decideNow(origin)
    return decision instanceof Promise ? decision.then((d) => this.actualFor(d)) : this.actualFor(decision)
  }

  /**
   * {@link actualHeaders} computed at once, for answers written without a chance to wait
   * (the engine's error answers); `undefined` when an origin function answers with a promise.
   *
   * @example
   * ```ts
   * new CorsPolicy({ origin: '*' }).actualHeadersNow(undefined) // [['Access-Control-Allow-Origin', '*']]
   * ```
   */
  actualHeadersNow(origin: string | undefined): HeaderPair[] | undefined {
    const decision = this.decideNow(origin)
    if (!(decision instanceof Promise)) return this.actualFor(decision)
    // Not waited for: a rejection must not go unhandled.
    decision.catch(() => undefined)
    return undefined
  }

  private actualFor({ allow, vary }: OriginDecision): HeaderPair[] {
    const out: HeaderPair[] = []
    if (allow !== undefined) out.push(['Access-Control-Allow-Origin', allow])
    if (vary) out.push(['Vary', 'Origin'])
    if (allow === undefined) return out
    if (this.options.credentials) out.push(['Access-Control-Allow-Credentials', 'true'])
    const exposed = this.options.exposedHeaders
    if (exposed !== undefined && exposed.length > 0) out.push(['Access-Control-Expose-Headers', exposed.join(', ')])
    return out
  }

  /**
   * Headers for a preflight answer (an `OPTIONS` with `Access-Control-Request-Method`):
   * Allow-Origin, Allow-Methods (`routeMethods` unless `methods` was configured),
   * Allow-Headers (configured, or the requested ones reflected), Max-Age, Vary.
   */
  async preflightHeaders(origin: string | undefined, requestHeaders: string | undefined, routeMethods: readonly string[]): Promise<HeaderPair[]> {
    const { allow, vary } = await this.decide(origin)
    const out: HeaderPair[] = []
    const varyOn: string[] = vary ? ['Origin'] : []
    if (allow !== undefined) {
      out.push(['Access-Control-Allow-Origin', allow])
      if (this.options.credentials) out.push(['Access-Control-Allow-Credentials', 'true'])
      const methods = this.options.methods ?? routeMethods
      if (methods.length > 0) out.push(['Access-Control-Allow-Methods', methods.join(', ')])
      if (this.options.allowedHeaders !== undefined) {
        if (this.options.allowedHeaders.length > 0) out.push(['Access-Control-Allow-Headers', this.options.allowedHeaders.join(', ')])
      } else {
        varyOn.push('Access-Control-Request-Headers')
        if (requestHeaders !== undefined && requestHeaders.trim() !== '') out.push(['Access-Control-Allow-Headers', requestHeaders])
      }
      if (this.options.maxAge !== undefined) out.push(['Access-Control-Max-Age', String(Math.floor(this.options.maxAge))])
    }
    if (varyOn.length > 0) out.push(['Vary', varyOn.join(', ')])
    return out
  }
}
