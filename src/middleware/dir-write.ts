/**
 * Writing into a served directory, as tiny_httpd's `Dir` module allows: `PUT` stores a file
 * (streamed to a temporary file in the same directory, then renamed over the target, so a
 * reader never sees half a file) and `DELETE` removes one. Same path safety as reading.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, mkdir, open, realpath, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { HttpError } from '../errors.js'
import type { PorticoRequest } from '../server/request.js'
import type { PorticoResponse } from '../server/response.js'
import { isInside, resolveSafePath, type DotfilesPolicy, type SafePathResult } from './safe-path.js'

/** Options of the write handlers. */
export interface DirWriteOptions {
  /** Dotfiles policy, as for reading (default `'ignore'`: 404). */
  readonly dotfiles?: DotfilesPolicy
  /** Create missing parent directories on upload (default true). */
  readonly createDirectories?: boolean
}

/** Resolves the target of a write below `root`, refusing what reading refuses. */
async function writeTarget(root: string, mount: string, req: PorticoRequest<any>, dotfiles: DotfilesPolicy): Promise<{ realRoot: string; target: Extract<SafePathResult, { ok: true }> }> {
  const raw = req.rawPath
  const rest = mount === '/' ? raw : raw.slice(mount.length)
  const target = resolveSafePath(root, rest, dotfiles)
  if (!target.ok) throw new HttpError(target.status, target.status === 404 ? 'Not Found' : target.status === 403 ? 'Forbidden' : 'Bad Request')
  if (target.segments.length === 0 || target.trailingSlash) throw new HttpError(405, 'Cannot write a directory', { headers: { Allow: 'GET, HEAD' } })
  return { realRoot: await realpath(root), target }
}

/** The deepest existing ancestor of `path` must be inside the real root (no symlink out). */
async function checkAncestors(realRoot: string, path: string): Promise<void> {
  let dir = dirname(path)
  for (;;) {
    try {
      const real = await realpath(dir)
      if (!isInside(realRoot, real)) throw new HttpError(403, 'Forbidden')
      return
    } catch (err) {
      if (err instanceof HttpError) throw err
      const parent = dirname(dir)
      if (parent === dir) throw new HttpError(403, 'Forbidden')
      dir = parent
    }
  }
}

/**
 * A handler storing the request body at the request's path below `dir` (mounted at `mount`).
 * Answers 201 for a new file, 204 for a replaced one (RFC 9110 §9.3.4). Give the route
 * `{ stream: true, maxRequestSize }` so the engine bounds the upload (413 past it).
 *
 * @example
 * ```ts
 * server.put('/{*path}', uploadHandler('/', './files'), { stream: true, maxRequestSize: 100 << 20 })
 * ```
 */
export function uploadHandler(mount: string, dir: string, options: DirWriteOptions = {}): (req: PorticoRequest<any>, res: PorticoResponse) => Promise<void> {
  const root = resolve(dir)
  return async (req, res) => {
    const { realRoot, target } = await writeTarget(root, mount, req, options.dotfiles ?? 'ignore')
    await checkAncestors(realRoot, target.absolute)
    const parent = dirname(target.absolute)
    if (options.createDirectories !== false) {
      await mkdir(parent, { recursive: true }).catch(() => {
        throw new HttpError(409, 'A file is in the way')
      })
    }
    await checkAncestors(realRoot, target.absolute)
    let existed = false
    try {
      const st = await lstat(target.absolute)
      if (st.isDirectory()) throw new HttpError(409, 'A directory is in the way')
      existed = true
    } catch (err) {
      if (err instanceof HttpError) throw err
    }
    const temp = join(parent, `.${basename(target.absolute)}.${randomBytes(6).toString('hex')}.upload`)
    const fh = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644)
    try {
      for await (const chunk of req.body) {
        let off = 0
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten
      }
      await fh.close()
      await rename(temp, target.absolute)
    } catch (err) {
      await fh.close().catch(() => undefined)
      await unlink(temp).catch(() => undefined)
      throw err
    }
    res.setStatus(existed ? 204 : 201)
    if (!existed) res.setHeader('Location', req.rawPath)
    res.end()
  }
}

/**
 * A handler deleting the file at the request's path below `dir` (204; 404 when absent;
 * directories are refused with 409).
 *
 * @example
 * ```ts
 * server.delete('/{*path}', deleteHandler('/', './files'))
 * ```
 */
export function deleteHandler(mount: string, dir: string, options: DirWriteOptions = {}): (req: PorticoRequest<any>, res: PorticoResponse) => Promise<void> {
  const root = resolve(dir)
  return async (req, res) => {
    const { realRoot, target } = await writeTarget(root, mount, req, options.dotfiles ?? 'ignore')
    await checkAncestors(realRoot, target.absolute)
    let isDir: boolean
    try {
      isDir = (await lstat(target.absolute)).isDirectory()
    } catch {
      throw new HttpError(404, 'Not Found')
    }
    if (isDir) throw new HttpError(409, 'Cannot delete a directory')
    await unlink(target.absolute)
    res.setStatus(204)
    res.end()
  }
}
