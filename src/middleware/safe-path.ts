/**
 * Maps the path of a request-target onto a file below a root directory without ever leaving it.
 *
 * The raw (still percent-encoded) path is split on `/` *before* decoding, so an encoded slash
 * (`%2f`) cannot join two segments, and every decoded segment is checked on its own: `..`,
 * backslashes, NUL bytes and encoded separators are refused (403), dotfiles are hidden (404) or
 * refused unless allowed. Symbolic links are checked apart, against the real path of the root
 * ({@link isInside}), because that needs the file system. Mount prefixes are compared segment
 * by segment, decoded ({@link parseMount}, {@link pathBelowMount}), as the router compares them.
 * @module
 */
import { join, resolve, sep } from 'node:path'
import { decodeValue, encodeLiteral } from '../router/path.js'

/** What to do with a path segment that starts with a dot (`.env`, `.git/`). */
export type DotfilesPolicy = 'ignore' | 'deny' | 'allow'

/** The outcome of {@link resolveSafePath}. */
export type SafePathResult =
  | {
      readonly ok: true
      /** The absolute file-system path, below the root. */
      readonly absolute: string
      /** The decoded segments below the root (empty for the root itself). */
      readonly segments: readonly string[]
      /** Whether the request path ended with `/` (a directory was asked for). */
      readonly trailingSlash: boolean
    }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string }

/**
 * Resolves `rawPath` (the path part of a request-target, relative to the mount point, still
 * percent-encoded) below `root`. Refuses, rather than normalises, anything that could walk out:
 * `..` in any spelling (`%2e%2e`, `.%2E`), an encoded `/` or `\`, a raw `\`, NUL, and a
 * malformed percent-escape (400). Empty and `.` segments are skipped.
 *
 * @example
 * ```ts
 * resolveSafePath('/srv/www', '/docs/a%20b.txt')   // { ok: true, absolute: '/srv/www/docs/a b.txt', … }
 * resolveSafePath('/srv/www', '/%2e%2e/etc/passwd') // { ok: false, status: 403, … }
 * ```
 */
export function resolveSafePath(root: string, rawPath: string, dotfiles: DotfilesPolicy = 'ignore'): SafePathResult {
  const base = resolve(root)
  const rawSegments = rawPath.split('/')
  const segments: string[] = []
  let hiddenDotfile = false
  for (const raw of rawSegments) {
    let segment: string
    try {
      segment = raw.includes('%') ? decodeURIComponent(raw) : raw
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding' }
    }
    if (segment === '' || segment === '.') continue
    if (segment === '..') return { ok: false, status: 403, reason: 'parent segment' }
    if (segment.includes('\0')) return { ok: false, status: 403, reason: 'NUL byte' }
    if (segment.includes('/') || segment.includes('\\')) return { ok: false, status: 403, reason: 'path separator in a segment' }
    if (segment.charCodeAt(0) === 0x2e /* . */) {
      if (dotfiles === 'deny') return { ok: false, status: 403, reason: 'dotfile' }
      if (dotfiles === 'ignore') hiddenDotfile = true
    }
    segments.push(segment)
  }
  if (hiddenDotfile) return { ok: false, status: 404, reason: 'dotfile' }
  const absolute = segments.length === 0 ? base : join(base, ...segments)
  if (!isInside(base, absolute)) return { ok: false, status: 403, reason: 'outside the root' }
  return { ok: true, absolute, segments, trailingSlash: rawPath.endsWith('/') }
}

/**
 * Tells whether `path` is `root` itself or below it (both absolute and already resolved, e.g.
 * by `fs.realpath`). Used to refuse symbolic links that point out of the root.
 *
 * @example
 * ```ts
 * isInside('/srv/www', '/srv/www/a.txt') // true
 * isInside('/srv/www', '/srv/www2/a.txt') // false
 * ```
 */
export function isInside(root: string, path: string): boolean {
  if (path === root) return true
  const prefix = root.endsWith(sep) ? root : root + sep
  return path.startsWith(prefix)
}

/** A mount point (URL path prefix) of a served directory, see {@link parseMount}. */
export interface MountPoint {
  /** In the router's canonical percent-encoding, no trailing slash (`'/'` for the root). */
  readonly encoded: string
  /** Decoded (`'/docs é'`), for display. */
  readonly decoded: string
  /** The decoded segments (none for the root). */
  readonly segments: readonly string[]
}

/**
 * Reads a mount prefix as the router reads a route pattern: each segment percent-encoded where
 * it must be (`' '` → `%20`, `é` → `%C3%A9`), escapes already there kept (normalized), so
 * `'/docs é'` and `'/docs%20%C3%A9'` are the same mount. A `%` not starting an escape is a
 * literal `%`.
 *
 * @example
 * ```ts
 * parseMount('/docs é/') // { encoded: '/docs%20%C3%A9', decoded: '/docs é', segments: ['docs é'] }
 * parseMount('')         // { encoded: '/', decoded: '/', segments: [] }
 * ```
 */
export function parseMount(prefix: string): MountPoint {
  const encoded: string[] = []
  const segments: string[] = []
  for (const part of prefix.split('/')) {
    if (part === '') continue
    const enc = encodeLiteral(part) ?? (encodeLiteral(part.replaceAll('%', '%25')) as string)
    encoded.push(enc)
    segments.push(decodeValue(enc) ?? part)
  }
  return { encoded: '/' + encoded.join('/'), decoded: '/' + segments.join('/'), segments }
}

/**
 * The part of a request path (raw, percent-encoded) below `mount`, still raw: `''` for the
 * mount itself, `'/…'` below it, `undefined` when the path is not below the mount. Segments
 * are compared decoded, so any spelling of the prefix (`%c3%a9`, `%C3%A9`) matches, as in the
 * router; an encoded `/` (`%2F`) never splits a segment.
 *
 * @example
 * ```ts
 * const m = parseMount('/docs é')
 * pathBelowMount(m, '/docs%20%C3%A9/a.txt') // '/a.txt'
 * pathBelowMount(m, '/docs%20%c3%a9')       // ''
 * pathBelowMount(m, '/docs/a.txt')          // undefined
 * ```
 */
export function pathBelowMount(mount: MountPoint, rawPath: string): string | undefined {
  const n = mount.segments.length
  if (n === 0) return rawPath
  const prefix = mount.encoded
  if (rawPath.startsWith(prefix)) {
    if (rawPath.length === prefix.length) return ''
    if (rawPath.charCodeAt(prefix.length) === 0x2f) return rawPath.slice(prefix.length)
  }
  if (rawPath.indexOf('%') === -1 && !rawPath.startsWith(mount.decoded)) return undefined
  const raw = rawPath.split('/')
  if (raw[0] !== '' || raw.length <= n) return undefined
  for (let i = 0; i < n; i++) if (decodeValue(raw[i + 1]) !== mount.segments[i]) return undefined
  return raw.length === n + 1 ? '' : '/' + raw.slice(n + 1).join('/')
}
