/**
 * The shape of a request-target (RFC 9112 §3.2), checked as llhttp checks it so Portico is never
 * looser: origin-form (`/path?query`), asterisk-form (`*`), absolute-form (`scheme://authority…`)
 * and, for CONNECT, authority-form (`host:port`). Its bytes were already checked one by one.
 * @module
 */

/** Bytes of an authority (RFC 3986 §3.2: unreserved, sub-delims, `%`, `:`, `[`, `]`). */
const AUTHORITY = new Uint8Array(128)
for (const ch of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:!$&'()*+,;=%[]") AUTHORITY[ch.charCodeAt(0)] = 1

function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)
}

/**
 * The index of the first byte of `target` that does not fit its form, or -1 when it fits.
 *
 * @example
 * ```ts
 * targetError('/a?b', false)          // -1
 * targetError('x%20y', false)         // 1 (a scheme must be followed by "://")
 * targetError('example.com:443', true) // -1
 * ```
 */
export function targetError(target: string, connect: boolean): number {
  if (connect) return authorityError(target, 0, true)
  const c = target.charCodeAt(0)
  if (c === 0x2f || c === 0x2a) return -1
  if (!isAlpha(c)) return 0
  let i = 1
  while (i < target.length && isAlpha(target.charCodeAt(i))) i++
  if (target.charCodeAt(i) !== 0x3a) return i
  if (target.charCodeAt(i + 1) !== 0x2f) return i + 1
  if (target.charCodeAt(i + 2) !== 0x2f) return i + 2
  return authorityError(target, i + 3, false)
}

/** Checks the authority from `i` up to the path or query (or the end). */
function authorityError(target: string, i: number, connect: boolean): number {
  let at = false
  for (; i < target.length; i++) {
    const c = target.charCodeAt(i)
    if (!connect && (c === 0x2f || c === 0x3f)) return -1
    if (c === 0x40) {
      if (at) return i
      at = true
      continue
    }
    if (c > 0x7f || AUTHORITY[c] !== 1) return i
  }
  return -1
}
