/**
 * Walks of the route tree for the slow paths (405, OPTIONS, the redirect rule): every route
 * that matches a path, whatever its method. The hot path, the most specific route for one
 * method, is the compiled matcher of codegen.ts (or its interpreted twin, interpret.ts); all
 * follow the same segment rules.
 * @module
 */
import { decodeValue, hasDotSegment } from './path.js'
import type { RouteNode } from './tree.js'

/** Whether `path.slice(start, end)` is `.` or `..` (such segments never match a literal or a parameter). */
function isDotSegment(path: string, start: number, end: number): boolean {
  const length = end - start
  if (length === 1) return path.charCodeAt(start) === 46
  return length === 2 && path.charCodeAt(start) === 46 && path.charCodeAt(start + 1) === 46
}

/** Largest digit count that always fits in a safe integer without checking. */
const FAST_DIGITS = 15

/**
 * The integer value of `path.slice(start, end)` when it is `-?[0-9]+` and a safe integer,
 * else `undefined` (what a `{name:int}` segment accepts).
 *
 * @example
 * ```ts
 * parseIntSegment('/users/42', 7, 9)  // 42
 * parseIntSegment('/users/4x', 7, 9)  // undefined
 * ```
 */
export function parseIntSegment(path: string, start: number, end: number): number | undefined {
  let i = start
  const negative = path.charCodeAt(i) === 45
  if (negative) i++
  if (i === end) return undefined
  if (end - i > FAST_DIGITS) {
    for (let k = i; k < end; k++) {
      const c = path.charCodeAt(k)
      if (c < 48 || c > 57) return undefined
    }
    const big = Number(path.slice(start, end))
    return Number.isSafeInteger(big) ? big : undefined
  }
  let value = 0
  for (; i < end; i++) {
    const c = path.charCodeAt(i) - 48
    if (c < 0 || c > 9) return undefined
    value = value * 10 + c
  }
  return negative && value !== 0 ? -value : value
}

/**
 * Adds to `out` the methods of every route that matches `path` from `i`, whatever the method
 * (`'*'` for a route for any method).
 *
 * @example
 * ```ts
 * const methods = new Set<string>(); collectMethods(root, '/users/42', 0, methods)
 * ```
 */
export function collectMethods<T>(node: RouteNode<T>, path: string, i: number, out: Set<string>): void {
  const length = path.length
  const wildcard = node.wildcard
  if (i === length) {
    if (node.routes !== null) for (const method of node.routes.keys()) out.add(method)
    if (wildcard !== null && wildcard.routes !== null) for (const method of wildcard.routes.keys()) out.add(method)
    return
  }
  const start = i + 1
  let end = path.indexOf('/', start)
  if (end === -1) end = length
  if (end > start && !isDotSegment(path, start, end)) {
    const literal = node.findLiteral(path, start, end)
    if (literal !== undefined) collectMethods(literal, path, end, out)
    if (node.intChild !== null && parseIntSegment(path, start, end) !== undefined) collectMethods(node.intChild, path, end, out)
    // A capture that does not decode (`%E9`) matches nothing (404), so it allows nothing.
    if (node.paramChild !== null && decodeValue(path.slice(start, end)) !== undefined) collectMethods(node.paramChild, path, end, out)
  }
  if (wildcard !== null && wildcard.routes !== null && !hasDotSegment(path.slice(start)) && decodeValue(path.slice(start)) !== undefined) {
    for (const method of wildcard.routes.keys()) out.add(method)
  }
}
