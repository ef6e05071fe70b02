/**
 * Writing into a served directory, as tiny_httpd's `Dir` module allows: `PUT` stores a file
 * (streamed to a temporary file in the same directory, then renamed over the target, so a
 * reader never sees half a file) and `DELETE` removes one. Same path safety as reading, and
 * the same validators: `If-Match`, `If-None-Match` and `If-Unmodified-Since` are evaluated
 * against the `ETag` and `Last-Modified` a GET would send (RFC 9110 §13.2), so a client can
 * avoid lost updates.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { constants, type Stats } from 'node:fs'
import { link, lstat, mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { HttpError } from '../errors.js'
import type { PorticoRequest } from '../server/request.js'
import type { PorticoResponse } from '../server/response.js'
import { evaluateConditionals, makeEtag, type Validators } from './conditional.js'
import type { FilePlanOptions } from './file-plan.js'
import { isInside, parseMount, pathBelowMount, resolveSafePath, type DotfilesPolicy, type MountPoint, type SafePathResult } from './safe-path.js'

/** Options of the write handlers. */
export interface DirWriteOptions extends Pick<FilePlanOptions, 'etag' | 'lastModified'> {
  /** Dotfiles policy, as for reading (default `'ignore'`: 404). */
  readonly dotfiles?: DotfilesPolicy
  /** Create missing parent directories on upload (default true). */
  readonly createDirectories?: boolean
}

type Target = Extract<SafePathResult, { ok: true }>

/** Resolves the target of a write below `root`, refusing what reading refuses. */
async function writeTarget(root: string, mount: MountPoint, req: PorticoRequest<any>, dotfiles: DotfilesPolicy): Promise<{ realRoot: string; target: Target }> {
  const rest = pathBelowMount(mount, req.rawPath)
  if (rest === undefined) throw new HttpError(404, 'Not Found')
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

/** What is at the target now, as a GET would see it. */
interface Current {
  /** Something is at the path (a file, a directory, a link, …). */
  readonly present: boolean
  /** A directory (not through a link): never written or deleted. */
  readonly directory: boolean
  /** A GET would answer with a file (the representation preconditions are about). */
  readonly exists: boolean
  readonly validators: Validators
}

async function currentState(realRoot: string, path: string, options: DirWriteOptions): Promise<Current> {
  let st: Stats
  try {
    st = await lstat(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return { present: false, directory: false, exists: false, validators: {} }
    throw err
  }
  if (st.isDirectory()) return { present: true, directory: true, exists: true, validators: {} }
  if (st.isSymbolicLink()) {
    // A GET follows the link (when it stays inside the root): so do the validators.
    const real = await realpath(path).catch(() => undefined)
    const followed = real !== undefined && isInside(realRoot, real) ? await stat(real).catch(() => undefined) : undefined
    if (followed === undefined) return { present: true, directory: false, exists: false, validators: {} }
    st = followed
  }
  if (!st.isFile()) return { present: true, directory: false, exists: st.isDirectory(), validators: {} }
  return { present: true, directory: false, exists: true, validators: validatorsOf(st, options) }
}

/** The `ETag` and `Last-Modified` of a file, built exactly as a GET builds them. */
function validatorsOf(st: { size: number; mtimeMs: number }, options: DirWriteOptions): Validators {
  const mode = options.etag ?? 'strong'
  return {
    etag: mode === false ? undefined : makeEtag(st, mode === 'weak'),
    lastModified: options.lastModified === false ? undefined : st.mtimeMs,
  }
}

/** 412 unless the request's preconditions hold for `current` (RFC 9110 §13.2.2). */
function checkPreconditions(req: PorticoRequest<any>, current: Current): void {
  const fields = {
    'if-match': req.getHeader('if-match'),
    'if-none-match': req.getHeader('if-none-match'),
    'if-unmodified-since': req.getHeader('if-unmodified-since'),
  }
  if (fields['if-match'] === undefined && fields['if-none-match'] === undefined && fields['if-unmodified-since'] === undefined) return
  if (evaluateConditionals(req.method, fields, current.validators, current.exists) !== 'proceed') throw new HttpError(412, 'Precondition Failed')
}

const pathLocks = new Map<string, Promise<unknown>>()

/**
 * Runs `fn` after every earlier call for the same `key` has finished: a precondition check and
 * the rename or unlink it guards happen without another write to that path in between (within
 * this process).
 */
async function withPathLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = pathLocks.get(key)
  const run = previous === undefined ? fn() : previous.then(fn, fn)
  const settled = run.then(
    () => undefined,
    () => undefined,
  )
  pathLocks.set(key, settled)
  try {
    return await run
  } finally {
    if (pathLocks.get(key) === settled) pathLocks.delete(key)
  }
}

/** Links `temp` as `target` unless a name `target` exists (412); false when links are unsupported. */
async function createExclusive(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target)
    return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new HttpError(412, 'Precondition Failed')
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return false
    throw err
  }
}

/**
 * A handler storing the request body at the request's path below `dir` (mounted at `mount`).
 * Answers 201 for a new file, 204 for a replaced one (RFC 9110 §9.3.4), with the stored file's
 * `ETag`. Preconditions are checked before the body is read and again just before the file
 * is replaced (412 when they fail; `If-None-Match: *` never replaces a file that appeared in
 * between). A `Content-Range` is refused with 400 (RFC 9110 §14.5: no partial PUT). Give the
 * route `{ stream: true, maxRequestSize }` so the engine bounds the upload (413 past it).
 *
 * @example
 * ```ts
 * server.put('/{*path}', uploadHandler('/', './files'), { stream: true, maxRequestSize: 100 << 20 })
 * ```
 */
export function uploadHandler(mount: string, dir: string, options: DirWriteOptions = {}): (req: PorticoRequest<any>, res: PorticoResponse) => Promise<void> {
  const root = resolve(dir)
  const mountPoint = parseMount(mount)
  return async (req, res) => {
    if (req.getHeader('content-range') !== undefined) throw new HttpError(400, 'Content-Range is not allowed in a PUT')
    const { realRoot, target } = await writeTarget(root, mountPoint, req, options.dotfiles ?? 'ignore')
    await checkAncestors(realRoot, target.absolute)
    const parent = dirname(target.absolute)
    if (options.createDirectories !== false) {
      await mkdir(parent, { recursive: true }).catch(() => {
        throw new HttpError(409, 'A file is in the way')
      })
    }
    await checkAncestors(realRoot, target.absolute)
    const before = await currentState(realRoot, target.absolute, options)
    if (before.directory) throw new HttpError(409, 'A directory is in the way')
    checkPreconditions(req, before)
    const createOnly = req.getHeader('if-none-match')?.trim() === '*'
    // Short and independent of the target's name, so a name near NAME_MAX still fits.
    const temp = join(parent, `.${randomBytes(6).toString('hex')}.upload`)
    const fh = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644)
    let existed: boolean
    let stored: Stats
    try {
      for await (const chunk of req.body) {
        let off = 0
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten
      }
      stored = await fh.stat()
      await fh.close()
      existed = await withPathLock(target.absolute, async () => {
        const now = await currentState(realRoot, target.absolute, options)
        if (now.directory) throw new HttpError(409, 'A directory is in the way')
        checkPreconditions(req, now)
        // link() fails when the name exists, so no file that appeared meanwhile (written by
        // another process) is replaced; where hard links are not supported, rename().
        const linked = createOnly && (await createExclusive(temp, target.absolute))
        if (linked) await unlink(temp).catch(() => undefined)
        else await rename(temp, target.absolute)
        return now.present
      })
    } catch (err) {
      await fh.close().catch(() => undefined)
      await unlink(temp).catch(() => undefined)
      throw err
    }
    res.setStatus(existed ? 204 : 201)
    if (!existed) res.setHeader('Location', req.rawPath)
    const validators = validatorsOf(stored, options)
    if (validators.etag !== undefined) res.setHeader('ETag', validators.etag)
    if (validators.lastModified !== undefined) res.setHeader('Last-Modified', new Date(validators.lastModified).toUTCString())
    res.end()
  }
}

/**
 * A handler deleting the file at the request's path below `dir` (204; 404 when absent;
 * directories are refused with 409; 412 when `If-Match`, `If-None-Match` or
 * `If-Unmodified-Since` does not hold for the file as a GET would see it).
 *
 * @example
 * ```ts
 * server.delete('/{*path}', deleteHandler('/', './files'))
 * ```
 */
export function deleteHandler(mount: string, dir: string, options: DirWriteOptions = {}): (req: PorticoRequest<any>, res: PorticoResponse) => Promise<void> {
  const root = resolve(dir)
  const mountPoint = parseMount(mount)
  return async (req, res) => {
    const { realRoot, target } = await writeTarget(root, mountPoint, req, options.dotfiles ?? 'ignore')
    await checkAncestors(realRoot, target.absolute)
    await withPathLock(target.absolute, async () => {
      const current = await currentState(realRoot, target.absolute, options)
      if (!current.present) throw new HttpError(404, 'Not Found')
      if (current.directory) throw new HttpError(409, 'Cannot delete a directory')
      checkPreconditions(req, current)
      await unlink(target.absolute)
    })
    res.setStatus(204)
    res.end()
  }
}
