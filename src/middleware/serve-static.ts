/**
 * `serveStatic(prefix, dir, options)`: a middleware that answers GET and HEAD below `prefix`
 * with the files of `dir` (index files, optional listings, precompressed siblings, caching
 * validators, ranges), never a file outside `dir`.
 * @module
 */
import type { Stats } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { HttpError } from '../errors.js'
import type { PorticoRequest } from '../server/request.js'
import type { PorticoResponse } from '../server/response.js'
import { readListing, sendListing } from './listing.js'
import { isInside, parseMount, pathBelowMount, resolveSafePath, type DotfilesPolicy } from './safe-path.js'
import { FileCache, type FileCacheOptions } from './file-cache.js'
import { canServeCached, isMissingFileError, sendCached, sendFileAt, type SendFileOptions } from './send-file.js'

/** Options of {@link serveStatic}. */
export interface StaticOptions extends SendFileOptions {
  /** The file answered for a directory (default `'index.html'`; `false` for none). */
  readonly index?: string | false
  /** Dotfiles: `'ignore'` (404, default), `'deny'` (403) or `'allow'`. */
  readonly dotfiles?: DotfilesPolicy
  /** Answer a directory without index file with a listing (a function is asked per request). */
  readonly listing?: boolean | (() => boolean)
  /** When nothing matches, pass on to the next handler (default true) instead of answering 404. */
  readonly fallthrough?: boolean
  /** Redirect a directory asked without a trailing slash to the slashed URL (default true). */
  readonly redirect?: boolean
  /**
   * Keep small files in memory, checked against a fresh `stat` on every request so a changed
   * file is never served stale (default on; `false` to read every time).
   */
  readonly cache?: false | FileCacheOptions
}

/**
 * What {@link serveStatic} returns: a middleware whose `next` is optional, so it is a route
 * handler too.
 *
 * @example
 * ```ts
 * const files: StaticHandler = serveStatic('/', './public')
 * server.get('/{*path}', files)
 * ```
 */
export type StaticHandler = (req: PorticoRequest<any>, res: PorticoResponse, next?: () => Promise<void>) => Promise<void>

function notFoundError(): Promise<void> {
  return Promise.reject(new HttpError(404, 'Not Found'))
}

/**
 * The stat of a path, or `undefined` when nothing servable is there: no such file, a symbolic
 * link loop, no permission (hidden as a 404, as before), or neither a file nor a directory (a
 * named pipe, a socket, a device: opening one could block). Other failures are thrown (500).
 */
async function statServable(path: string): Promise<Stats | undefined> {
  let st: Stats
  try {
    st = await stat(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (isMissingFileError(err) || code === 'ELOOP' || code === 'EACCES' || code === 'EPERM') return undefined
    throw err
  }
  return st.isFile() || st.isDirectory() ? st : undefined
}

/**
 * Serves the files of `dir` under the URL path `prefix`. Use it as a route handler (without a
 * `next`, what is not found is a 404), as a route middleware, or register the routes with
 * `server.serveStatic(prefix, dir)` / {@link mountStatic}. As a server-wide `use()` middleware
 * it sees every request (the server runs its middlewares around the answers of unmatched
 * requests too).
 *
 * @example
 * ```ts
 * server.get('/assets/{*path}', serveStatic('/assets', './public', { cacheControl: 'public, max-age=3600' }))
 * server.get('/{*path}', serveStatic('/', './site', { listing: true }))
 * ```
 */
export function serveStatic(prefix: string, dir: string, options: StaticOptions = {}): StaticHandler {
  const mount = parseMount(prefix)
  const root = resolve(dir)
  const index = options.index ?? 'index.html'
  const dotfiles = options.dotfiles ?? 'ignore'
  const fallthrough = options.fallthrough !== false
  let realRoot: string | undefined
  const resolveRoot = (): Promise<string | undefined> => realpath(root).catch(() => undefined)
  const cache = options.cache === false ? undefined : new FileCache(options.cache)

  return async function serveStaticMiddleware(req: PorticoRequest<any>, res: PorticoResponse, maybeNext?: () => Promise<void>): Promise<void> {
    const next = maybeNext ?? notFoundError
    if (req.method !== 'GET' && req.method !== 'HEAD') return next()
    const rest = pathBelowMount(mount, req.rawPath)
    if (rest === undefined) return next()

    const notFound = (): Promise<void> => {
      if (fallthrough) return next()
      throw new HttpError(404, 'Not Found')
    }
    const target = resolveSafePath(root, rest, dotfiles)
    if (!target.ok) {
      if (target.status === 404) return notFound()
      throw new HttpError(target.status, target.status === 403 ? 'Forbidden' : 'Bad Request')
    }
    let base = realRoot ?? (realRoot = await resolveRoot())
    if (base === undefined) return notFound()
    const st = target.trailingSlash ? undefined : await statServable(target.absolute)
    if (st === undefined && !target.trailingSlash) return notFound()
    if (st !== undefined && cache !== undefined && st.isFile()) {
      const hit = cache.get(target.absolute, st)
      if (hit !== undefined && canServeCached(req, hit, options)) return sendCached(req, res, hit, options)
    }
    let real: string
    try {
      real = await realpath(target.absolute)
    } catch {
      return notFound()
    }
    if (!isInside(base, real)) {
      // The root may be a symbolic link switched since (`current -> releases/N`): resolve it
      // again, only on this path, so the hot path keeps its one `realpath`.
      base = realRoot = await resolveRoot()
      if (base === undefined || !isInside(base, real)) return notFound()
    }
    if (target.trailingSlash && target.segments.length > 0 && !(await isDirectory(real))) return notFound()

    const outcome = await sendFileAt(req, res, real, options, cache === undefined ? undefined : { store: cache, key: target.absolute })
    if (outcome === 'sent') return
    if (outcome === 'forbidden') throw new HttpError(403, 'Forbidden')
    if (outcome === 'not-found') return notFound()

    if (rest === '' || !target.trailingSlash) {
      if (options.redirect === false) return notFound()
      // Rebuilt from the checked segments, never from the raw path: `//host/dir` must not
      // become a protocol-relative `Location` (an open redirect).
      const q = req.url.indexOf('?')
      const location = (mount.segments.length === 0 ? '' : mount.encoded) + '/' + target.segments.map((s) => `${encodeURIComponent(s)}/`).join('')
      res.setStatus(301)
      res.setHeader('Location', location + (q < 0 ? '' : req.url.slice(q)))
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.send('Moved Permanently')
      return
    }
    if (index !== false) {
      const indexReal = await realpath(join(real, index)).catch(() => undefined)
      if (indexReal !== undefined && isInside(base, indexReal) && (await sendFileAt(req, res, indexReal, options)) === 'sent') return
    }
    const listing = typeof options.listing === 'function' ? options.listing() : options.listing === true
    if (!listing) return notFound()
    const entries = await readListing(real, base, dotfiles === 'allow')
    const urlPath = (mount.segments.length === 0 ? '' : mount.decoded) + '/' + target.segments.map((s) => `${s}/`).join('')
    sendListing(req, res, urlPath, entries)
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}
