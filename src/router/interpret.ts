/**
 * The interpreted matcher: the same depth-first walk of the route tree as the code codegen.ts
 * generates, done by a loop over the nodes instead of generated code. It needs no `new Function`,
 * so it works where code generation from strings is refused (`node
 * --disallow-code-generation-from-strings`, CSP-like sandboxes), and it is what `Router` uses
 * with `compile: false`. It answers exactly what the compiled matcher answers: same order of
 * tries (literal, `{name:int}`, `{name}`, `{*name}`), same backtracking, same `retry` and
 * `not-found` rules for percent-encoded captures, the same pre-built results for static routes.
 * @module
 */
import type { CompiledMatcher } from './codegen.js'
import { parseIntSegment } from './match.js'
import { decodeValue, hasDotSegment } from './path.js'
import type { RouteEntry, RouteFound, RouteNode } from './tree.js'

/** `starts[k]` of an `{name:int}` capture (its value is in `ints[k]`). */
const INT = -1
/** `starts[k]` of a wildcard that took the empty rest at the end of the path (value `""`). */
const EMPTY = -2

type Answer<T> = ReturnType<CompiledMatcher<T>>

/**
 * Builds the interpreted matcher of the tree under `root`. It reads the tree at each call, but
 * like a compiled matcher it is meant to be rebuilt (cheaply) whenever the table changes.
 *
 * @example
 * ```ts
 * const match = interpretTree(root, NOT_FOUND, RETRY)
 * match('/users/42', 9, 'GET', false) // { kind: 'found', params: { id: 42 }, … }
 * match('/users/a%20b', 12, 'GET', false) // RETRY: normalize, then match(…, true)
 * ```
 */
export function interpretTree<T>(
  root: RouteNode<T>,
  notFound: { readonly kind: 'not-found' },
  retry: { readonly kind: 'retry' },
): CompiledMatcher<T> {
  // Captures on the way down, by depth: a string capture is `path.slice(starts[k], ends[k])`.
  // Shared between calls: a lookup is synchronous and builds its result before returning.
  const starts: number[] = []
  const ends: number[] = []
  const ints: number[] = []
  let path = ''
  let len = 0
  let method = ''
  let enc = false

  /** The answer of `entry` with the first `count` captures (as codegen's `Emitter.result`). */
  function result(entry: RouteEntry<T>, count: number): Answer<T> {
    if (entry.names.length === 0) return entry.staticResult
    let first = -1
    for (let k = 0; k < count; k++) {
      if (starts[k] >= 0) {
        first = starts[k]
        break
      }
    }
    // Raw values only when none can hold an escape; decoded ones only on a normalized path.
    if (first !== -1 && !enc && path.indexOf('%', first) !== -1) return retry
    const params: Record<string, string | number> = {}
    const names = entry.names
    for (let k = 0; k < count; k++) {
      const start = starts[k]
      let value: string | number | undefined = start === INT ? ints[k] : start === EMPTY ? '' : path.slice(start, ends[k])
      if (start >= 0 && enc) {
        value = decodeValue(value as string)
        if (value === undefined) return notFound
      }
      params[names[k]] = value
    }
    const found: RouteFound<T> = { kind: 'found', value: entry.value, params, pattern: entry.pattern, method: entry.method }
    return found
  }

  /** The route of a node's `routes` for the method (HEAD served by GET, then `'*'`), as an answer. */
  function leaf(node: RouteNode<T>, count: number): Answer<T> {
    const entry = node.entryFor(method)
    return entry === undefined ? undefined : result(entry, count)
  }

  /** The walk from `node`, reached with the path position at `pos` and `count` captures. */
  function walk(node: RouteNode<T>, pos: number, count: number): Answer<T> {
    const wildcard = node.wildcard
    if (pos === len) {
      const here = leaf(node, count)
      if (here !== undefined || wildcard === null) return here
      starts[count] = EMPTY
      return leaf(wildcard, count + 1)
    }
    const start = pos + 1
    let end = start
    while (end < len && path.charCodeAt(end) !== 47) end++
    const literal = node.literalKeys.length === 0 ? undefined : node.findLiteral(path, start, end)
    if (literal !== undefined) {
      const found = walk(literal, end, count)
      if (found !== undefined) return found
    }
    if (node.intChild !== null) {
      const n = parseIntSegment(path, start, end)
      if (n !== undefined) {
        starts[count] = INT
        ints[count] = n
        const found = walk(node.intChild, end, count + 1)
        if (found !== undefined) return found
      }
    }
    if (node.paramChild !== null && end > start && !isDotSegment(start, end)) {
      starts[count] = start
      ends[count] = end
      const found = walk(node.paramChild, end, count + 1)
      if (found !== undefined) return found
    }
    if (wildcard !== null && wildcard.routes !== null && wildcard.routes.size > 0 && !hasDotSegment(path.slice(start))) {
      starts[count] = start
      ends[count] = len
      return leaf(wildcard, count + 1)
    }
    return undefined
  }

  function isDotSegment(start: number, end: number): boolean {
    const length = end - start
    return path.charCodeAt(start) === 46 && (length === 1 || (length === 2 && path.charCodeAt(start + 1) === 46))
  }

  return function match(p: string, length: number, m: string, normalized: boolean): Answer<T> {
    path = p
    len = length
    method = m
    enc = normalized
    const found = walk(root, length === 1 ? 1 : 0, 0)
    path = ''
    return found
  }
}
