/**
 * Compiles the route tree into one JavaScript matcher (with `new Function`), rebuilt after the
 * table changes. The generated code is the depth-first walk of match.ts unrolled: literal
 * segments become `charCodeAt` comparisons against constants, the children of a node become
 * `if` blocks tried in precedence order, backtracking is the fall-through from a failed block
 * to the next, the method check at a leaf is a `switch` (a route for any method is its
 * `default`), and each leaf builds its result with an object literal (one hidden class per
 * route). Subtrees whose code grows large become functions of their own, so that V8 keeps
 * optimizing every piece.
 *
 * Only validated text reaches the code: literal segments and methods go through
 * `JSON.stringify`, parameter names are identifiers (pattern.ts).
 * @module
 */
import { parseIntSegment } from './match.js'
import { decodeValue, hasDotSegment } from './path.js'
import { ANY_METHOD } from './pattern.js'
import type { RouteEntry, RouteFound, RouteNode } from './tree.js'

/**
 * A matcher, compiled here or interpreted (interpret.ts, same answers): the route for `method`
 * and `path` (which starts with `/`), or
 * `undefined`. With `normalized` false (a path as received), it answers `retry` when a
 * captured value holds a `%`: the caller then normalizes the path and matches again with
 * `normalized` true, where values are decoded (`notFound` when one does not decode).
 * A path whose matched segments are all literals needs no normalization: literal texts are
 * stored normalized, so a raw segment equal to one is normalized already.
 */
export type CompiledMatcher<T> = (
  path: string,
  length: number,
  method: string,
  normalized: boolean,
) => RouteFound<T> | { readonly kind: 'not-found' } | { readonly kind: 'retry' } | undefined

/** A captured value on the way down: the expression that yields it, the variables it uses. */
interface Capture {
  readonly expr: string
  readonly vars: readonly string[]
  readonly isString: boolean
  /** For a string capture, the variable holding where it starts in the path. */
  readonly start?: string
}

/** Past this many characters, a subtree's code becomes a function of its own. */
const SPLIT_CHARS = 2500
/** Literal segments at least this long are compared with `startsWith` rather than char by char. */
const LONG_LITERAL = 12

class Emitter<T> {
  readonly entries: RouteEntry<T>[] = []
  readonly functions: string[] = []
  readonly #refs = new Map<RouteEntry<T>, string>()

  entryRef(entry: RouteEntry<T>): string {
    let ref = this.#refs.get(entry)
    if (ref === undefined) {
      ref = `E${this.entries.push(entry) - 1}`
      this.#refs.set(entry, ref)
    }
    return ref
  }

  /** The `return` of a leaf: the pre-built result, or an object literal with the params. */
  result(entry: RouteEntry<T>, caps: readonly Capture[]): string {
    const ref = this.entryRef(entry)
    if (entry.names.length === 0) return `return ${ref}.staticResult;`
    const build = (values: readonly string[]): string => {
      const params = entry.names.map((name, k) => `${JSON.stringify(name)}: ${values[k]}`).join(', ')
      return `return { kind: "found", value: ${ref}.value, params: { ${params} }, pattern: ${ref}.pattern, method: ${ref}.method };`
    }
    const raw = caps.map((cap) => cap.expr)
    if (!caps.some((cap) => cap.isString)) return build(raw)
    const decoded = caps.map((cap, k) => (cap.isString ? `d${k}` : cap.expr))
    const decodes = caps
      .map((cap, k) => (cap.isString ? `var d${k} = dec(${cap.expr}); if (d${k} === undefined) return NF;` : ''))
      .join(' ')
    const first = caps.find((cap) => cap.start !== undefined)?.start ?? '0'
    return `if (enc) { ${decodes} ${build(decoded)} } if (path.indexOf("%", ${first}) !== -1) return RT; ${build(raw)}`
  }

  /**
   * `switch (method)` over the routes of a node; HEAD goes to GET when there is no HEAD route;
   * the route for any method (`'*'`) is the `default`, so a node without one costs nothing more.
   */
  leaf(node: RouteNode<T>, caps: readonly Capture[]): string {
    if (node.routes === null || node.routes.size === 0) return ''
    const any = node.routes.get(ANY_METHOD)
    if (any !== undefined && node.routes.size === 1) return `{ ${this.result(any, caps)} }`
    let code = 'switch (method) {'
    for (const [method, entry] of node.routes) {
      if (method === ANY_METHOD) continue
      code += ` case ${JSON.stringify(method)}:`
      if (method === 'GET' && !node.routes.has('HEAD')) code += ' case "HEAD":'
      code += ` { ${this.result(entry, caps)} }`
    }
    if (any !== undefined) code += ` default: { ${this.result(any, caps)} }`
    return code + ' }'
  }

  /** Condition that `path.slice(s, e)` equals `text` (its length already checked). */
  literalTest(text: string, s: string): string {
    if (text.length >= LONG_LITERAL) return `path.startsWith(${JSON.stringify(text)}, ${s})`
    const tests: string[] = []
    for (let k = 0; k < text.length; k++) tests.push(`path.charCodeAt(${s}${k === 0 ? '' : ` + ${k}`}) === ${text.charCodeAt(k)}`)
    return tests.join(' && ')
  }

  /** The code of a node reached at depth `d` with the path position in variable `pos`. */
  node(node: RouteNode<T>, d: number, pos: string, caps: readonly Capture[]): string {
    const s = `s${d}`
    const e = `e${d}`
    const l = `l${d}`
    const wildcard = node.wildcard
    let atEnd = this.leaf(node, caps)
    if (wildcard !== null) atEnd += this.leaf(wildcard, [...caps, { expr: '""', vars: [], isString: false }])
    const hasWildcard = wildcard !== null && wildcard.routes !== null && wildcard.routes.size > 0
    const hasSegment = node.intChild !== null || node.paramChild !== null
    if (node.literalKeys.length === 0 && !hasSegment && !hasWildcard) return atEnd === '' ? '' : `if (${pos} === len) { ${atEnd} }`
    let code = `if (${pos} === len) { ${atEnd} } else { var ${s} = ${pos} + 1;`
    code += this.literals(node, d, s, caps)
    if (hasSegment) {
      // A char loop rather than indexOf: segments are short, and the loop is inlined.
      code += ` var ${e} = ${s}; while (${e} < len && path.charCodeAt(${e}) !== 47) ${e}++; var ${l} = ${e} - ${s};`
    }
    if (node.intChild !== null) {
      const n = `n${d}`
      const inner = this.child(node.intChild, d + 1, e, [...caps, { expr: n, vars: [n], isString: false }])
      code += ` var ${n} = pint(path, ${s}, ${e}); if (${n} !== undefined) { ${inner} }`
    }
    if (node.paramChild !== null) {
      const cap = { expr: `path.slice(${s}, ${e})`, vars: [s, e], isString: true, start: s }
      const inner = this.child(node.paramChild, d + 1, e, [...caps, cap])
      code += ` if (${l} > 0 && !(path.charCodeAt(${s}) === 46 && (${l} === 1 || (${l} === 2 && path.charCodeAt(${s} + 1) === 46)))) { ${inner} }`
    }
    if (hasWildcard) {
      const w = `w${d}`
      code += ` var ${w} = path.slice(${s}); if (!dot(${w})) { ${this.leaf(wildcard, [...caps, { expr: w, vars: [w, s], isString: true, start: s }])} }`
    }
    return code + ' }'
  }

  /**
   * The literal children of a node: each one tested in place (its characters, then a `/` or
   * the end of the path right after), without searching for the end of the segment first.
   * Many children are dispatched on their first character.
   */
  literals(node: RouteNode<T>, d: number, s: string, caps: readonly Capture[]): string {
    const keys = node.literalKeys
    if (keys.length === 0) return ''
    const p = `p${d}`
    // The bounds come first: an out-of-range charCodeAt would make V8 deoptimize the matcher.
    const test = (text: string): string =>
      `(${s} + ${text.length} === len || (${s} + ${text.length} < len && path.charCodeAt(${s} + ${text.length}) === 47)) && ${this.literalTest(text, s)}`
    const block = (k: number): string =>
      `if (${test(keys[k])}) { var ${p} = ${s} + ${keys[k].length}; ${this.child(node.literalNodes[k], d + 1, p, caps)} }`
    if (keys.length <= 4) return ' ' + keys.map((_, k) => block(k)).join(' else ')
    const byFirst = new Map<number, number[]>()
    keys.forEach((text, k) => byFirst.set(text.charCodeAt(0), [...(byFirst.get(text.charCodeAt(0)) ?? []), k]))
    let code = ` if (${s} < len) switch (path.charCodeAt(${s})) {`
    for (const [first, ks] of byFirst) code += ` case ${first}: ${ks.map(block).join(' else ')} break;`
    return code + ' }'
  }

  /** A child's code, inline or, when large, as a call to a function of its own. */
  child(node: RouteNode<T>, d: number, pos: string, caps: readonly Capture[]): string {
    const code = this.node(node, d, pos, caps)
    if (code.length < SPLIT_CHARS) return code
    const params = [...new Set(['path', 'len', 'method', 'enc', pos, ...caps.flatMap((cap) => cap.vars)])].join(', ')
    const name = `f${this.functions.length}`
    this.functions.push(`function ${name}(${params}) { ${code} return undefined; }`)
    return `var r${d} = ${name}(${params}); if (r${d} !== undefined) return r${d};`
  }
}

/**
 * Compiles the tree under `root` into a matcher.
 *
 * @example
 * ```ts
 * const match = compileTree(root, NOT_FOUND, RETRY)
 * match('/users/42', 9, 'GET', false) // { kind: 'found', params: { id: 42 }, … }
 * match('/users/a%20b', 12, 'GET', false) // RETRY: normalize, then match(…, true)
 * ```
 */
export function compileTree<T>(
  root: RouteNode<T>,
  notFound: { readonly kind: 'not-found' },
  retry: { readonly kind: 'retry' },
): CompiledMatcher<T> {
  const emitter = new Emitter<T>()
  const body = emitter.node(root, 0, 'i0', [])
  const constants = emitter.entries.map((_, k) => `const E${k} = E[${k}];`).join('\n')
  const source =
    `"use strict";\n${constants}\n${emitter.functions.join('\n')}\n` +
    `return function match(path, len, method, enc) { var i0 = len === 1 ? 1 : 0; ${body} return undefined; };`
  const factory = new Function('E', 'pint', 'dec', 'dot', 'NF', 'RT', source) as (...args: unknown[]) => CompiledMatcher<T>
  return factory(emitter.entries, parseIntSegment, decodeValue, hasDotSegment, notFound, retry)
}
