/**
 * Parsing and validation of route patterns: `/users/{id:int}/posts/{slug}`, `/static/{*path}`.
 * Invalid patterns fail here, at registration, with a typed {@link PorticoError}.
 * @module
 */
import { PorticoError } from '../errors.js'
import { encodeLiteral } from './path.js'

/** What one pattern segment matches. The numbers are also the matching precedence. */
export const SegmentKind = { Literal: 0, Int: 1, Param: 2, Wildcard: 3 } as const
/** One of the {@link SegmentKind} values. */
export type SegmentKind = (typeof SegmentKind)[keyof typeof SegmentKind]

/** One segment of a parsed pattern: literal text (normalized) or a parameter name. */
export interface PatternSegment {
  readonly kind: SegmentKind
  readonly text: string
}

/** A parsed pattern: its segments, its parameter names in order, and its shape key. */
export interface ParsedPattern {
  readonly segments: readonly PatternSegment[]
  readonly names: readonly string[]
  /** Identifies the tree position: two patterns that differ only in parameter names share it. */
  readonly shape: string
  /** True when every segment is a literal. */
  readonly isStatic: boolean
}

const NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/
/** More segments than any real route has; bounds the depth of the compiled matcher. */
export const MAX_SEGMENTS = 64

function invalid(pattern: string, why: string): PorticoError {
  return new PorticoError('PORTICO_ERR_ROUTE_INVALID_PATTERN', `Invalid route pattern ${JSON.stringify(pattern)}: ${why}`)
}

/** A parameter name is an identifier (it becomes a key of `params`); `__proto__` is refused. */
function checkName(pattern: string, name: string): void {
  if (!NAME.test(name) || name === '__proto__') throw invalid(pattern, `bad parameter name ${JSON.stringify(name)}`)
}

/** Parses the text between braces of one `{…}` segment. */
function parsePlaceholder(pattern: string, inner: string): PatternSegment {
  if (inner.startsWith('*')) {
    const name = inner.slice(1)
    checkName(pattern, name)
    return { kind: SegmentKind.Wildcard, text: name }
  }
  const colon = inner.indexOf(':')
  const name = colon === -1 ? inner : inner.slice(0, colon)
  checkName(pattern, name)
  if (colon === -1) return { kind: SegmentKind.Param, text: name }
  const type = inner.slice(colon + 1)
  if (type !== 'int') {
    throw new PorticoError(
      'PORTICO_ERR_ROUTE_UNKNOWN_PARAM_TYPE',
      `Unknown parameter type ${JSON.stringify(type)} in route pattern ${JSON.stringify(pattern)} (only "int" is known)`,
    )
  }
  return { kind: SegmentKind.Int, text: name }
}

/**
 * Parses and validates a route pattern. Patterns are canonical paths: they start with `/`, have
 * no empty segment (so no `//` and no trailing `/`, except the root `/`) and no `.`/`..`
 * segment; a `{…}` placeholder is a whole segment.
 *
 * @example
 * ```ts
 * parsePattern('/users/{id:int}').names // ['id']
 * parsePattern('/a/{*rest}/b')          // throws PORTICO_ERR_ROUTE_WILDCARD_NOT_LAST
 * ```
 */
export function parsePattern(pattern: string): ParsedPattern {
  if (typeof pattern !== 'string' || !pattern.startsWith('/')) throw invalid(String(pattern), 'it must start with "/"')
  const segments: PatternSegment[] = []
  const names: string[] = []
  const parts = pattern === '/' ? [] : pattern.slice(1).split('/')
  if (parts.length > MAX_SEGMENTS) throw invalid(pattern, `more than ${MAX_SEGMENTS} segments`)
  let shape = ''
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]
    if (part === '') throw invalid(pattern, 'empty segment (no "//", no trailing "/")')
    if (part === '.' || part === '..') throw invalid(pattern, 'dot segment')
    let segment: PatternSegment
    if (part.startsWith('{') && part.endsWith('}') && part.length > 2) {
      const inner = part.slice(1, -1)
      if (inner.includes('{') || inner.includes('}')) throw invalid(pattern, `bad braces in ${JSON.stringify(part)}`)
      segment = parsePlaceholder(pattern, inner)
      if (names.includes(segment.text)) {
        throw new PorticoError(
          'PORTICO_ERR_ROUTE_DUPLICATE_PARAM',
          `Parameter ${JSON.stringify(segment.text)} appears twice in route pattern ${JSON.stringify(pattern)}`,
        )
      }
      if (segment.kind === SegmentKind.Wildcard && i !== parts.length - 1) {
        throw new PorticoError('PORTICO_ERR_ROUTE_WILDCARD_NOT_LAST', `Wildcard {*${segment.text}} is not last in ${JSON.stringify(pattern)}`)
      }
      names.push(segment.text)
    } else {
      if (part.includes('{') || part.includes('}')) throw invalid(pattern, `bad braces in ${JSON.stringify(part)} (a placeholder is a whole segment)`)
      const text = encodeLiteral(part)
      if (text === undefined) throw invalid(pattern, `malformed percent-escape in ${JSON.stringify(part)}`)
      // `%2E` and `.%2e` are dot segments too once decoded (requests never match them).
      if (text === '.' || text === '..') throw invalid(pattern, 'dot segment')
      segment = { kind: SegmentKind.Literal, text }
    }
    segments.push(segment)
    shape += segment.kind === SegmentKind.Literal ? '/' + segment.text : ['', '/{:int}', '/{}', '/{*}'][segment.kind]
  }
  return { segments, names, shape: shape === '' ? '/' : shape, isStatic: names.length === 0 }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * The route method that accepts every request method (tiny_httpd's `add_route_handler` without
 * `?meth`). At one node a route for the request's own method wins over it, and for HEAD a GET
 * route does too; see docs/routing.md.
 *
 * @example
 * ```ts
 * router.add(ANY_METHOD, '/proxy/{*rest}', forward) // GET, POST, PURGE, … all land here
 * ```
 */
export const ANY_METHOD = '*'

/**
 * Checks a route method: an HTTP token (RFC 9110 §9.1; methods are case-sensitive), or
 * {@link ANY_METHOD} (`'*'`, which is a token too) for a route that accepts any method.
 *
 * @example
 * ```ts
 * checkMethod('GET')   // ok
 * checkMethod('*')     // ok: any method
 * checkMethod('G T')   // throws PORTICO_ERR_ROUTE_INVALID_METHOD
 * ```
 */
export function checkMethod(method: string): void {
  if (method === ANY_METHOD) return
  if (typeof method !== 'string' || !TOKEN.test(method)) {
    throw new PorticoError('PORTICO_ERR_ROUTE_INVALID_METHOD', `Invalid route method ${JSON.stringify(method)}`)
  }
}
