/**
 * Directory listings on the wire: reads a directory (hiding dotfiles and symbolic links that
 * lead out of the root) and answers with HTML or, when the client prefers it, JSON.
 * @module
 */
import { readdir, realpath, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { PorticoRequest } from '../server/request.js'
import type { PorticoResponse } from '../server/response.js'
import { renderListingHtml, renderListingJson, type ListingEntry } from './listing-render.js'
import { isInside } from './safe-path.js'

/** Stats run this many at a time, so a huge directory cannot flood the thread pool. */
const BATCH = 64

/**
 * Reads the entries of `dir`. Dotfiles are left out unless `showDotfiles`; symbolic links are
 * followed but left out when they lead outside `realRoot` or nowhere.
 *
 * @example
 * ```ts
 * const entries = await readListing('/srv/www/docs', '/srv/www', false)
 * ```
 */
export async function readListing(dir: string, realRoot: string, showDotfiles: boolean): Promise<ListingEntry[]> {
  const dirents = await readdir(dir, { withFileTypes: true })
  const wanted = dirents.filter((d) => showDotfiles || !d.name.startsWith('.'))
  const out: ListingEntry[] = []
  for (let i = 0; i < wanted.length; i += BATCH) {
    const batch = await Promise.all(
      wanted.slice(i, i + BATCH).map(async (d): Promise<ListingEntry | undefined> => {
        const full = join(dir, d.name)
        try {
          if (d.isSymbolicLink() && !isInside(realRoot, await realpath(full))) return undefined
          const st = await stat(full)
          if (!st.isFile() && !st.isDirectory()) return undefined
          return { name: d.name, isDirectory: st.isDirectory(), size: st.size, mtimeMs: st.mtimeMs }
        } catch {
          return undefined
        }
      }),
    )
    for (const e of batch) if (e !== undefined) out.push(e)
  }
  return out
}

/** The weight an `Accept` value gives to a media type (RFC 9110 §12.5.1), 0 when absent. */
function weightOf(accept: string, type: string): number {
  const [major] = type.split('/')
  let best = -1
  let bestSpecificity = -1
  for (const member of accept.split(',')) {
    const [range, ...params] = member.split(';').map((s) => s.trim().toLowerCase())
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1
    if (specificity < 0 || specificity < bestSpecificity) continue
    let q = 1
    for (const p of params) if (p.startsWith('q=')) q = Number(p.slice(2)) || 0
    best = q
    bestSpecificity = specificity
  }
  return best < 0 ? 0 : best
}

/**
 * Whether the client prefers JSON to HTML: `?format=json`, or an `Accept` field weighing
 * `application/json` above `text/html`.
 *
 * @example
 * ```ts
 * prefersJson('application/json', undefined)                 // true
 * prefersJson('text/html,application/xhtml+xml,*\/*;q=0.8', undefined) // false
 * ```
 */
export function prefersJson(accept: string | undefined, format: string | undefined): boolean {
  if (format !== undefined) return format === 'json'
  if (accept === undefined) return false
  return weightOf(accept, 'application/json') > weightOf(accept, 'text/html')
}

/**
 * Answers with the listing of a directory. `urlPath` is the decoded URL path of the
 * directory, ending in `/`.
 *
 * @example
 * ```ts
 * await sendListing(req, res, '/files/docs/', await readListing(dir, root, false))
 * ```
 */
export function sendListing(req: PorticoRequest<any>, res: PorticoResponse, urlPath: string, entries: readonly ListingEntry[]): void {
  res.addHeader('Vary', 'Accept')
  res.setHeader('Cache-Control', 'no-cache')
  if (prefersJson(req.getHeader('accept'), req.getQueryParam('format'))) {
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.send(renderListingJson(urlPath, entries))
    return
  }
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.send(renderListingHtml(urlPath, entries))
}
