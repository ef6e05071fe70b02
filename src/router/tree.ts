/**
 * The route tree: a trie over path segments. Each node has literal children (found without
 * allocating while the list is short, through a `Map` when it is long), at most one
 * `{name:int}` child, one `{name}` child and one `{*name}` child, and the routes that end at
 * it, by method. Matching cost depends on the depth of the path, not on the number of routes.
 * @module
 */
import { ANY_METHOD, SegmentKind, type PatternSegment } from './pattern.js'

/**
 * A successful lookup: the route's value, its parameters, its pattern and its method.
 *
 * @example
 * ```ts
 * const found = router.lookup('GET', '/users/42') // { kind: 'found', value, params: { id: 42 }, pattern: '/users/{id:int}', method: 'GET' }
 * ```
 */
export interface RouteFound<T> {
  readonly kind: 'found'
  readonly value: T
  /** Captured parameters, decoded; `{name:int}` values are numbers. Treat as read-only. */
  readonly params: Readonly<Record<string, string | number>>
  readonly pattern: string
  /**
   * The route's method: `GET` when a HEAD request was served by the GET route, `'*'` when the
   * request was served by a route for any method.
   */
  readonly method: string
}

/** One registered route. */
export interface RouteEntry<T> {
  readonly method: string
  readonly pattern: string
  readonly value: T
  /** Parameter names in capture order. */
  readonly names: readonly string[]
  /** For a route without parameters, the result returned on every match (no allocation). */
  readonly staticResult: RouteFound<T> | undefined
}

/** Past this many literal children, a node finds them through a Map instead of a scan. */
const SCAN_LIMIT = 8

/** A node of the route tree. */
export class RouteNode<T> {
  literalKeys: string[] = []
  literalNodes: RouteNode<T>[] = []
  literalMap: Map<string, RouteNode<T>> | null = null
  intChild: RouteNode<T> | null = null
  paramChild: RouteNode<T> | null = null
  wildcard: RouteNode<T> | null = null
  /** Routes ending at this node, by method (`'*'`: the route for any method). */
  routes: Map<string, RouteEntry<T>> | null = null

  constructor(
    readonly parent: RouteNode<T> | null = null,
    readonly segment: PatternSegment | null = null,
  ) {}

  /**
   * The route for `method`: the route of that method, else for HEAD the GET route (RFC 9110
   * §9.3.2), else the route for any method (`'*'`).
   */
  entryFor(method: string): RouteEntry<T> | undefined {
    const routes = this.routes
    if (routes === null) return undefined
    const entry = routes.get(method)
    if (entry !== undefined) return entry
    return (method === 'HEAD' ? routes.get('GET') : undefined) ?? routes.get(ANY_METHOD)
  }

  /** The literal child whose text is `path.slice(start, end)`, found without slicing when short. */
  findLiteral(path: string, start: number, end: number): RouteNode<T> | undefined {
    const map = this.literalMap
    if (map !== null) return map.get(path.slice(start, end))
    const keys = this.literalKeys
    const length = end - start
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]
      if (key.length === length && path.startsWith(key, start)) return this.literalNodes[k]
    }
    return undefined
  }

  /** The child for a pattern segment, created when `create` is set. */
  child(segment: PatternSegment, create: boolean): RouteNode<T> | undefined {
    switch (segment.kind) {
      case SegmentKind.Literal: {
        const k = this.literalKeys.indexOf(segment.text)
        if (k !== -1) return this.literalNodes[k]
        if (!create) return undefined
        const node = new RouteNode<T>(this, segment)
        this.literalKeys.push(segment.text)
        this.literalNodes.push(node)
        this.reindex()
        return node
      }
      case SegmentKind.Int:
        if (this.intChild === null && create) this.intChild = new RouteNode<T>(this, segment)
        return this.intChild ?? undefined
      case SegmentKind.Param:
        if (this.paramChild === null && create) this.paramChild = new RouteNode<T>(this, segment)
        return this.paramChild ?? undefined
      default:
        if (this.wildcard === null && create) this.wildcard = new RouteNode<T>(this, segment)
        return this.wildcard ?? undefined
    }
  }

  /** Whether nothing hangs from this node any more. */
  isEmpty(): boolean {
    return (
      (this.routes === null || this.routes.size === 0) &&
      this.literalKeys.length === 0 &&
      this.intChild === null &&
      this.paramChild === null &&
      this.wildcard === null
    )
  }

  /** Detaches an empty child. */
  drop(child: RouteNode<T>): void {
    if (this.intChild === child) this.intChild = null
    else if (this.paramChild === child) this.paramChild = null
    else if (this.wildcard === child) this.wildcard = null
    else {
      const k = this.literalNodes.indexOf(child)
      if (k === -1) return
      this.literalKeys.splice(k, 1)
      this.literalNodes.splice(k, 1)
      this.reindex()
    }
  }

  private reindex(): void {
    if (this.literalKeys.length <= SCAN_LIMIT) {
      this.literalMap = null
      return
    }
    this.literalMap = new Map()
    for (let k = 0; k < this.literalKeys.length; k++) this.literalMap.set(this.literalKeys[k], this.literalNodes[k])
  }
}

/**
 * The node at the end of a pattern's segments, created along the way when `create` is set.
 *
 * @example
 * ```ts
 * const leaf = nodeFor(root, parsePattern('/users/{id}').segments, true)
 * ```
 */
export function nodeFor<T>(root: RouteNode<T>, segments: readonly PatternSegment[], create: boolean): RouteNode<T> | undefined {
  let node: RouteNode<T> | undefined = root
  for (const segment of segments) {
    node = node.child(segment, create)
    if (node === undefined) return undefined
  }
  return node
}

/**
 * Removes `node` and its ancestors while they are empty (the root stays).
 *
 * @example
 * ```ts
 * prune(leaf) // after deleting its last route
 * ```
 */
export function prune<T>(node: RouteNode<T>): void {
  let current = node
  while (current.parent !== null && current.isEmpty()) {
    current.parent.drop(current)
    current = current.parent
  }
}
