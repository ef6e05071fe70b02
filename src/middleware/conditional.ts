/**
 * Validators and conditional requests, RFC 9110 §8.8 and §13: building `ETag` and
 * `Last-Modified` from a file's stat, and evaluating `If-Match`, `If-None-Match`,
 * `If-Modified-Since`, `If-Unmodified-Since` and `If-Range` in the order of §13.2.2.
 * @module
 */

/** The validators of the selected representation. */
export interface Validators {
  /** The `ETag` value, quotes included (`"abc"` or `W/"abc"`), if any. */
  readonly etag?: string | undefined
  /** Last modification time in milliseconds since the epoch, if known. */
  readonly lastModified?: number | undefined
}

/** The request's conditional header fields (lower-case names, as received). */
export interface ConditionalHeaders {
  readonly 'if-match'?: string | undefined
  readonly 'if-none-match'?: string | undefined
  readonly 'if-modified-since'?: string | undefined
  readonly 'if-unmodified-since'?: string | undefined
}

/** What to answer: go on with the request, or 304 Not Modified, or 412 Precondition Failed. */
export type ConditionalOutcome = 'proceed' | 304 | 412

/**
 * Builds an entity-tag from a file's size and modification time (and, to tell representations
 * apart, an optional suffix such as `br` for a precompressed sibling).
 *
 * @example
 * ```ts
 * makeEtag({ size: 1234, mtimeMs: 1700000000000 }, false)   // '"4d2-18bcfe56800"'
 * makeEtag({ size: 1234, mtimeMs: 1700000000000 }, true, 'gz') // 'W/"4d2-18bcfe56800-gz"'
 * ```
 */
export function makeEtag(stat: { size: number; mtimeMs: number }, weak: boolean, suffix?: string): string {
  const tag = `${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}${suffix === undefined ? '' : `-${suffix}`}`
  return weak ? `W/"${tag}"` : `"${tag}"`
}

/**
 * Splits an `If-Match` / `If-None-Match` value into entity-tags (RFC 9110 §8.8.3:
 * `entity-tag = [ weak ] opaque-tag`, `opaque-tag = DQUOTE *etagc DQUOTE`, where etagc may be
 * a comma). Returns `'*'` for the wildcard, and skips malformed members.
 *
 * @example
 * ```ts
 * parseEtagList('W/"a", "b,c"') // ['W/"a"', '"b,c"']
 * parseEtagList(' * ')          // '*'
 * ```
 */
export function parseEtagList(value: string): string[] | '*' {
  if (value.trim() === '*') return '*'
  const tags: string[] = []
  let i = 0
  const n = value.length
  while (i < n) {
    const c = value.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x2c) {
      i++
      continue
    }
    const start = i
    if (value.startsWith('W/', i)) i += 2
    if (value.charCodeAt(i) !== 0x22) {
      const comma = value.indexOf(',', i)
      i = comma < 0 ? n : comma + 1
      continue
    }
    const close = value.indexOf('"', i + 1)
    if (close < 0) break
    tags.push(value.slice(start, close + 1))
    i = close + 1
  }
  return tags
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag
}

/**
 * Strong comparison, RFC 9110 §8.8.3.2: both strong and the same opaque-tag.
 *
 * @example
 * ```ts
 * strongMatch('"1"', '"1"')   // true
 * strongMatch('W/"1"', '"1"') // false
 * ```
 */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && !b.startsWith('W/') && a === b
}

/**
 * Weak comparison, RFC 9110 §8.8.3.2: the same opaque-tag, weak or not.
 *
 * @example
 * ```ts
 * weakMatch('W/"1"', '"1"') // true
 * ```
 */
export function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b)
}

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7) to milliseconds, or `undefined` when invalid.
 *
 * @example
 * ```ts
 * parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT') // 784111777000
 * ```
 */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

/** HTTP dates have one-second precision: compare file times at that precision. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000)
}

/**
 * Evaluates the preconditions of a request against the selected representation, in the order
 * of RFC 9110 §13.2.2: If-Match (else If-Unmodified-Since) → 412; then If-None-Match (else,
 * for GET/HEAD, If-Modified-Since) → 304 for GET/HEAD, 412 otherwise. Invalid dates are
 * ignored (§13.1.3, §13.1.4).
 *
 * @example
 * ```ts
 * evaluateConditionals('GET', { 'if-none-match': '"x"' }, { etag: '"x"' }) // 304
 * evaluateConditionals('PUT', { 'if-match': '"y"' }, { etag: '"x"' })      // 412
 * ```
 */
export function evaluateConditionals(method: string, headers: ConditionalHeaders, validators: Validators, exists = true): ConditionalOutcome {
  const { etag, lastModified } = validators
  const getOrHead = method === 'GET' || method === 'HEAD'
  const ifMatch = headers['if-match']
  if (ifMatch !== undefined) {
    const tags = parseEtagList(ifMatch)
    const ok = tags === '*' ? exists : etag !== undefined && tags.some((t) => strongMatch(t, etag))
    if (!ok) return 412
  } else {
    const since = parseHttpDate(headers['if-unmodified-since'])
    if (since !== undefined && lastModified !== undefined && seconds(lastModified) > seconds(since)) return 412
  }
  const ifNoneMatch = headers['if-none-match']
  if (ifNoneMatch !== undefined) {
    const tags = parseEtagList(ifNoneMatch)
    const matched = tags === '*' ? exists : etag !== undefined && tags.some((t) => weakMatch(t, etag))
    if (matched) return getOrHead ? 304 : 412
  } else if (getOrHead) {
    const since = parseHttpDate(headers['if-modified-since'])
    if (since !== undefined && lastModified !== undefined && seconds(lastModified) <= seconds(since)) return 304
  }
  return 'proceed'
}

/**
 * Evaluates `If-Range` (RFC 9110 §13.1.5): true when the Range may be honoured. An entity-tag
 * must match strongly; a date must equal `Last-Modified` exactly (and weak tags never match).
 *
 * @example
 * ```ts
 * ifRangeHolds(undefined, { etag: '"x"' })  // true (no If-Range)
 * ifRangeHolds('"x"', { etag: '"x"' })      // true
 * ifRangeHolds('W/"x"', { etag: 'W/"x"' })  // false
 * ```
 */
export function ifRangeHolds(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true
  const value = ifRange.trim()
  if (value.startsWith('"') || value.startsWith('W/"')) {
    return validators.etag !== undefined && strongMatch(value, validators.etag)
  }
  const date = parseHttpDate(value)
  return date !== undefined && validators.lastModified !== undefined && seconds(date) === seconds(validators.lastModified)
}
