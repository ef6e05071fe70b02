/**
 * Request-path helpers for the router: percent-encoding normalization (RFC 3986 §6.2.2),
 * the canonical form used by the redirect rule (no empty segments), dot-segment detection, and
 * decoding of captured values.
 * @module
 */

const HEX = '0123456789ABCDEF'

/** Value of one hex digit (0–15), or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 65 && code <= 70) return code - 55
  if (code >= 97 && code <= 102) return code - 87
  return -1
}

/** RFC 3986 §2.3 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 45 ||
    code === 46 ||
    code === 95 ||
    code === 126
  )
}

/**
 * Normalizes the percent-encoding of a path (RFC 3986 §6.2.2.1–2): escapes of unreserved
 * characters are decoded, the hex digits of the others upper-cased. `%2F` stays `%2F`, so it
 * never splits a segment. Returns `undefined` when a `%` is not followed by two hex digits.
 *
 * @example
 * ```ts
 * normalizePercent('/%7euser/a%2fb') // '/~user/a%2Fb'
 * normalizePercent('/bad%zz')        // undefined
 * ```
 */
export function normalizePercent(path: string): string | undefined {
  let out = ''
  let from = 0
  let i = path.indexOf('%')
  while (i !== -1) {
    const hi = hexValue(path.charCodeAt(i + 1))
    const lo = hexValue(path.charCodeAt(i + 2))
    if (hi < 0 || lo < 0) return undefined
    const code = hi * 16 + lo
    out += path.slice(from, i) + (isUnreserved(code) ? String.fromCharCode(code) : '%' + HEX[hi] + HEX[lo])
    from = i + 3
    i = path.indexOf('%', from)
  }
  return out + path.slice(from)
}

/**
 * Decodes a captured value (percent-escapes as UTF-8). Returns `undefined` when the bytes are
 * not valid UTF-8.
 *
 * @example
 * ```ts
 * decodeValue('caf%C3%A9') // 'café'
 * decodeValue('a%2Fb')     // 'a/b'
 * ```
 */
export function decodeValue(raw: string): string | undefined {
  if (raw.indexOf('%') === -1) return raw
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}

/**
 * The canonical form of a path for the redirect rule: repeated slashes collapsed, no trailing
 * slash (except the root `/`). Dot segments are left as they are (the router never redirects
 * a path holding one; see docs/routing.md).
 *
 * @example
 * ```ts
 * canonicalPath('//users//42/')     // '/users/42'
 * ```
 */
export function canonicalPath(path: string): string {
  const out: string[] = []
  for (const segment of path.split('/')) if (segment !== '') out.push(segment)
  return '/' + out.join('/')
}

/**
 * Whether a piece of path (a wildcard's capture) holds a `.` or `..` segment.
 *
 * @example
 * ```ts
 * hasDotSegment('css/../etc') // true
 * hasDotSegment('a.b/c')      // false
 * ```
 */
export function hasDotSegment(rest: string): boolean {
  let i = rest.indexOf('.')
  while (i !== -1) {
    const before = i === 0 ? 47 : rest.charCodeAt(i - 1)
    if (before === 47) {
      let j = i + 1
      if (rest.charCodeAt(j) === 46) j++
      if (j === rest.length || rest.charCodeAt(j) === 47) return true
    }
    i = rest.indexOf('.', i + 1)
  }
  return false
}

/** RFC 3986 §3.3 pchar minus pct-encoded: unreserved / sub-delims / ":" / "@". */
function isPchar(code: number): boolean {
  return isUnreserved(code) || (code >= 36 && code <= 44) || code === 33 || code === 59 || code === 61 || code === 58 || code === 64
}

/**
 * Puts a literal pattern segment in the form request paths are compared in: characters that
 * are not `pchar` percent-encoded as UTF-8, existing escapes normalized. Returns `undefined`
 * on a malformed escape.
 *
 * @example
 * ```ts
 * encodeLiteral('café')  // 'caf%C3%A9'
 * encodeLiteral('%7ex')  // '~x'
 * ```
 */
export function encodeLiteral(segment: string): string | undefined {
  let out = ''
  for (const ch of segment) {
    const code = ch.charCodeAt(0)
    if (ch.length === 1 && (isPchar(code) || code === 37)) out += ch
    else for (const byte of Buffer.from(ch, 'utf8')) out += '%' + HEX[byte >> 4] + HEX[byte & 15]
  }
  return normalizePercent(out)
}
