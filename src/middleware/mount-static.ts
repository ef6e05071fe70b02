/**
 * `mountStatic(server, prefix, dir, options)`: registers the routes that serve a directory
 * (GET/HEAD, and optionally PUT uploads and DELETE), as tiny_httpd's `Dir.add_dir_path`.
 * @module
 */
import type { Server } from '../server/server.js'
import { deleteHandler, uploadHandler } from './dir-write.js'
import { serveStatic, type StaticOptions } from './serve-static.js'

/** Options of {@link mountStatic}. */
export interface MountOptions extends StaticOptions {
  /** Accept `PUT` uploads (default false). */
  readonly upload?: boolean
  /** The largest upload, in bytes (413 beyond it). Default 100 MiB. */
  readonly maxUpload?: number
  /** Accept `DELETE` (default false). */
  readonly delete?: boolean
}

/**
 * The route pattern covering `prefix` and everything below it.
 *
 * @example
 * ```ts
 * mountPattern('/files/') // '/files/{*path}'
 * mountPattern('/')       // '/{*path}'
 * ```
 */
export function mountPattern(prefix: string): string {
  let p = prefix.startsWith('/') ? prefix : `/${prefix}`
  while (p.endsWith('/')) p = p.slice(0, -1)
  return `${p}/{*path}`
}

/**
 * Serves `dir` at `prefix` through routes; returns a function that removes them.
 *
 * @example
 * ```ts
 * const unmount = mountStatic(server, '/files', './shared', { listing: true, upload: true, maxUpload: 10 << 20 })
 * ```
 */
export function mountStatic(server: Server, prefix: string, dir: string, options: MountOptions = {}): () => void {
  const pattern = mountPattern(prefix)
  const mount = pattern.slice(0, -'/{*path}'.length) || '/'
  const middleware = serveStatic(mount, dir, { ...options, fallthrough: false })
  server.get(pattern, middleware)
  if (options.upload === true) {
    const maxUpload = options.maxUpload ?? 100 * 1024 * 1024
    server.put(pattern, uploadHandler(mount, dir, options), { stream: true, maxRequestSize: maxUpload })
  }
  if (options.delete === true) server.delete(pattern, deleteHandler(mount, dir, options))
  return () => {
    server.unregisterRoute('GET', pattern)
    if (options.upload === true) server.unregisterRoute('PUT', pattern)
    if (options.delete === true) server.unregisterRoute('DELETE', pattern)
  }
}
