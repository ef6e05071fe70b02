/**
 * `Router<T>`: maps a method and a request path to a registered value (the server stores its
 * handlers in it). Patterns: literals, `{name}`, `{name:int}`, `{*name}`. Precedence, whatever
 * the registration order: literal > `{name:int}` > `{name}` > `{*name}`, segment by segment,
 * with backtracking; at one node, a route for the request's method wins over a route for any
 * method (`'*'`). The table is compiled into a matcher (codegen.ts), or walked (interpret.ts)
 * with `compile: false` or where `new Function` is refused. See docs/routing.md for the rules.
 * @module
 */
import { compileTree, type CompiledMatcher } from './codegen.js'
import { interpretTree } from './interpret.js'
import { collectMethods } from './match.js'
import { canonicalPath, hasDotSegment, normalizePercent } from './path.js'
import { ANY_METHOD, checkMethod, parsePattern } from './pattern.js'
import { nodeFor, prune, RouteNode, type RouteEntry, type RouteFound } from './tree.js'

export type { RouteFound } from './tree.js'

/**
 * The answer of {@link Router.lookup}:
 * - `found`: a route for the method (HEAD served by the GET route when there is no HEAD route),
 *   or a route for any method (`method: '*'`);
 * - `method-not-allowed`: the path has routes, not for this method (answer 405 with `Allow`);
 *   never for a path that a route for any method matches;
 * - `options`: an OPTIONS request for a path with routes but no OPTIONS route and no route for
 *   any method (answer 204 with `Allow`); also for `OPTIONS *`, with every method of the table
 *   (routes for any method left out: `Allow` cannot say "any");
 * - `redirect`: no route for the path as sent, one once its trailing and repeated slashes are
 *   dropped (answer 308 to `location`, appending the request's `?query`); never for a path
 *   with a `.`/`..` segment, raw or percent-encoded (those are `not-found`);
 * - `not-found`.
 *
 * @example
 * ```ts
 * const r = router.lookup('GET', '/users/42')
 * if (r.kind === 'found') r.value(req, res, r.params)
 * ```
 */
export type RouteLookup<T> =
  | RouteFound<T>
  | { readonly kind: 'method-not-allowed'; readonly allow: string[] }
  | { readonly kind: 'options'; readonly allow: string[] }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'not-found' }

const NOT_FOUND = Object.freeze({ kind: 'not-found' as const })
/** Internal answer of the compiled matcher: match again on the normalized path. */
const RETRY = Object.freeze({ kind: 'retry' as const })
const NO_PARAMS: Readonly<Record<string, string | number>> = Object.freeze({})

/**
 * The `Allow` list for a set of route methods: sorted, HEAD when GET is there, OPTIONS always.
 * A `'*'` in the set (a route for any method) stays, first: only `allowedMethods` can meet one,
 * since a path with such a route never gets a 405 or an `options` answer.
 */
function allowList(methods: Set<string>): string[] {
  if (methods.has('GET')) methods.add('HEAD')
  methods.add('OPTIONS')
  return [...methods].sort()
}

/**
 * Options of a {@link Router}.
 *
 * @example
 * ```ts
 * const router = new Router<Handler>({ compile: false }) // never calls `new Function`
 * ```
 */
export interface RouterOptions {
  /**
   * Whether the route table is compiled into a JavaScript matcher with `new Function` (the
   * default, `true`), or matched by walking the tree (`false`). Both give the same answers; the
   * compiled matcher is faster. Where code generation from strings is refused (`node
   * --disallow-code-generation-from-strings`, CSP-like sandboxes), a router that tries to
   * compile falls back to the walk by itself, on the first `EvalError`.
   */
  readonly compile?: boolean
}

/**
 * A method + path router over a segment trie.
 *
 * @example
 * ```ts
 * const router = new Router<string>()
 * router.add('GET', '/users/{id:int}', 'user')
 * router.lookup('GET', '/users/42')   // { kind: 'found', value: 'user', params: { id: 42 }, … }
 * router.lookup('POST', '/users/42')  // { kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'OPTIONS'] }
 * ```
 */
export class Router<T> {
  #root = new RouteNode<T>()
  /** Every route, by `method + ' ' + shape`, in registration order. */
  #entries = new Map<string, RouteEntry<T>>()
  /** The matcher, dropped whenever the table changes and rebuilt at the next lookup. */
  #match: CompiledMatcher<T> | null = null
  /** Whether to compile the matcher; false once code generation has been refused. */
  #compile: boolean

  /**
   * An empty router. See {@link RouterOptions} for `compile`.
   *
   * @example
   * ```ts
   * const compiled = new Router<string>()
   * const interpreted = new Router<string>({ compile: false })
   * ```
   */
  constructor(options: RouterOptions = {}) {
    this.#compile = options.compile ?? true
  }

  /**
   * Registers `value` for `method` and `pattern`; `method` `'*'` accepts any method (a route
   * for the request's own method at the same pattern wins over it, and a GET route does for
   * HEAD). The same method and pattern registered again
   * (patterns that differ only in parameter names are the same) replaces the old value.
   * Throws a `PorticoError` (`PORTICO_ERR_ROUTE_*`) for an invalid pattern or method.
   *
   * @example
   * ```ts
   * router.add('GET', '/static/{*path}', serveStatic)
   * router.add('*', '/proxy/{*rest}', forward) // every method
   * ```
   */
  add(method: string, pattern: string, value: T): void {
    checkMethod(method)
    const parsed = parsePattern(pattern)
    const node = nodeFor(this.#root, parsed.segments, true) as RouteNode<T>
    const staticResult: RouteFound<T> | undefined = parsed.isStatic
      ? Object.freeze({ kind: 'found', value, params: NO_PARAMS, pattern, method })
      : undefined
    const entry: RouteEntry<T> = { method, pattern, value, names: parsed.names, staticResult }
    node.routes ??= new Map()
    node.routes.set(method, entry)
    this.#match = null
    const key = method + ' ' + parsed.shape
    this.#entries.delete(key)
    this.#entries.set(key, entry)
  }

  /**
   * Removes the route for `method` and `pattern`; tells whether there was one.
   *
   * @example
   * ```ts
   * router.remove('GET', '/users/{id:int}') // true
   * router.remove('*', '/proxy/{*rest}')     // the route for any method
   * ```
   */
  remove(method: string, pattern: string): boolean {
    let parsed
    try {
      parsed = parsePattern(pattern)
    } catch {
      return false
    }
    const node = nodeFor(this.#root, parsed.segments, false)
    if (node === undefined || node.routes === null || !node.routes.delete(method)) return false
    this.#entries.delete(method + ' ' + parsed.shape)
    prune(node)
    this.#match = null
    return true
  }

  /**
   * Removes every route.
   *
   * @example
   * ```ts
   * router.clear(); router.routes() // []
   * ```
   */
  clear(): void {
    this.#root = new RouteNode<T>()
    this.#entries.clear()
    this.#match = null
  }

  /**
   * Finds the route for a request. `path` is the path of the request-target as received: no
   * query, still percent-encoded.
   *
   * @example
   * ```ts
   * router.lookup('HEAD', '/users/7') // the GET route when there is no HEAD route
   * ```
   */
  lookup(method: string, path: string): RouteLookup<T> {
    if (path.charCodeAt(0) !== 47) return path === '*' && method === 'OPTIONS' ? this.#optionsAsterisk() : NOT_FOUND
    const match = this.#match ?? (this.#match = this.#buildMatcher())
    // Matched as received first: percent-encoding only matters when a captured value holds a
    // `%` (RETRY) or when nothing matched, and checking then saves a scan of every path.
    const result = match(path, path.length, method, false)
    if (result !== undefined && result !== RETRY) return result as RouteLookup<T>
    if (result === undefined && path.indexOf('%') === -1) return this.#miss(method, path)
    const normalized = normalizePercent(path)
    if (normalized === undefined) return NOT_FOUND
    const again = match(normalized, normalized.length, method, true)
    return again === undefined ? this.#miss(method, normalized) : (again as RouteLookup<T>)
  }

  /**
   * The `Allow` list for a path (sorted, with HEAD when GET is there and OPTIONS), or `[]` when
   * no route matches the path. When a route for any method matches the path, the list starts
   * with `'*'` (any method; a CORS preflight answer reads it so, for requests without
   * credentials) and keeps the other methods of the routes that match it.
   *
   * @example
   * ```ts
   * router.allowedMethods('/users/42') // ['DELETE', 'GET', 'HEAD', 'OPTIONS']
   * router.allowedMethods('/proxy/x')  // ['*', 'OPTIONS'] with only a '*' route
   * ```
   */
  allowedMethods(path: string): string[] {
    const methods = this.#methodsOf(path)
    return methods.size === 0 ? [] : allowList(methods)
  }

  /**
   * Every registered route, in registration order (a replaced route moves to the end).
   *
   * @example
   * ```ts
   * router.routes() // [{ method: 'GET', pattern: '/users/{id:int}' }, { method: '*', pattern: '/proxy/{*rest}' }]
   * ```
   */
  routes(): { method: string; pattern: string }[] {
    return [...this.#entries.values()].map((entry) => ({ method: entry.method, pattern: entry.pattern }))
  }

  /** The compiled matcher, or the interpreted one when asked or when `new Function` is refused. */
  #buildMatcher(): CompiledMatcher<T> {
    if (this.#compile) {
      try {
        return compileTree(this.#root, NOT_FOUND, RETRY)
      } catch (error) {
        if (!(error instanceof EvalError)) throw error
        this.#compile = false
      }
    }
    return interpretTree(this.#root, NOT_FOUND, RETRY)
  }

  #methodsOf(path: string): Set<string> {
    const methods = new Set<string>()
    const normalized = path.indexOf('%') === -1 ? path : normalizePercent(path)
    if (normalized === undefined || normalized.charCodeAt(0) !== 47) return methods
    collectMethods(this.#root, normalized, normalized.length === 1 ? 1 : 0, methods)
    return methods
  }

  #miss(method: string, path: string): RouteLookup<T> {
    // A route for any method that matches the path has answered already: no '*' here.
    const methods = this.#methodsOf(path)
    if (methods.size > 0) {
      return method === 'OPTIONS' ? { kind: 'options', allow: allowList(methods) } : { kind: 'method-not-allowed', allow: allowList(methods) }
    }
    // Dot segments are never resolved into a redirect: a traversal attempt is answered 404 here
    // (or 403 by a static mount whose wildcard takes an encoded-slash segment), not sent on.
    if (hasDotSegment(path)) return NOT_FOUND
    // Nor is a path with a backslash: browsers read a `Location: /\evil.com` as
    // `//evil.com`, another host (an open redirect through any `/{param}` route).
    if (path.indexOf('\\') !== -1) return NOT_FOUND
    const canonical = canonicalPath(path)
    if (canonical !== path && this.#methodsOf(canonical).size > 0) return { kind: 'redirect', location: canonical }
    return NOT_FOUND
  }

  #optionsAsterisk(): RouteLookup<T> {
    const methods = new Set<string>()
    for (const entry of this.#entries.values()) if (entry.method !== ANY_METHOD) methods.add(entry.method)
    return { kind: 'options', allow: allowList(methods) }
  }
}
