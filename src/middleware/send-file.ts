/**
 * Sends one file as the answer to a request: precompressed sibling selection, validators,
 * preconditions, ranges, then the bytes: small files in one write, large ones streamed from
 * the file with backpressure (never read whole), `multipart/byteranges` for several ranges.
 * @module
 */
import { constants, type Stats } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import type { PorticoRequest } from '../server/request.js'
import type { PorticoResponse } from '../server/response.js'
import { contentTypeFor, isCompressible } from './content-type.js'
import { planFile, type FilePlanOptions, type FileRequestHeaders } from './file-plan.js'
import { negotiateEncoding } from './negotiate-encoding.js'
import type { ByteRange, MultipartPlan } from './range.js'
import type { CachedFile, FileCache } from './file-cache.js'
import { addVary } from './vary.js'

/** Options of {@link sendFileAt} (and of `res.sendFile`, `serveStatic`). */
export interface SendFileOptions extends FilePlanOptions {
  /** The `Content-Type`; by default from the file name (`mime-types`, `charset=utf-8` for text). */
  readonly contentType?: string
  /**
   * Serve `file.br` / `file.gz` next to `file` when the client accepts that coding (default
   * true). The sibling gets its own validators and `Vary: Accept-Encoding` is set.
   */
  readonly precompressed?: boolean
  /** Extra header fields to send with the file. */
  readonly headers?: Readonly<Record<string, string>>
}

/** What {@link sendFileAt} found. */
export type SendFileOutcome = 'sent' | 'not-found' | 'directory' | 'forbidden'

/** Files up to this size are read in one call and sent in one write. */
const SMALL_FILE = 64 * 1024
const READ_CHUNK = 128 * 1024
// O_NONBLOCK: opening a named pipe (FIFO) for reading would otherwise wait for a writer,
// holding a thread of libuv's pool (four by default) until one comes. It does not change how
// regular files are read; the fstat below refuses anything that is not one.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)
const SIBLINGS: readonly [coding: string, suffix: string, variant: string][] = [
  ['br', '.br', 'br'],
  ['gzip', '.gz', 'gz'],
]

interface Opened {
  readonly fh: FileHandle
  readonly stat: Stats
}

/**
 * Whether a file-system error says there is no file at the path (`ENOENT`, `ENOTDIR`: a
 * component is a file; `ENAMETOOLONG`: no such name can exist), as opposed to a failure of the
 * server (`EMFILE`, `ENFILE`, `EIO`, …) that must not become a cacheable 404.
 *
 * @example
 * ```ts
 * const st = await stat(path).catch((err) => { if (isMissingFileError(err)) return undefined; throw err })
 * ```
 */
export function isMissingFileError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG'
}

async function openRegular(path: string): Promise<Opened | SendFileOutcome> {
  let fh: FileHandle
  try {
    fh = await open(path, OPEN_FLAGS)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') return 'forbidden'
    // ENXIO: a socket (or a device without a driver), which is not a file either.
    if (isMissingFileError(err) || code === 'ENXIO') return 'not-found'
    throw err
  }
  let stat: Stats
  try {
    stat = await fh.stat()
  } catch (err) {
    await fh.close().catch(() => undefined)
    throw err
  }
  if (stat.isFile()) return { fh, stat }
  await fh.close()
  return stat.isDirectory() ? 'directory' : 'not-found'
}

/** Opens the best precompressed sibling the client accepts, if any. */
async function openSibling(path: string, acceptEncoding: string | undefined): Promise<(Opened & { coding: string; variant: string }) | undefined> {
  const candidates = SIBLINGS.map(([coding]) => coding)
  while (candidates.length > 0) {
    const coding = negotiateEncoding(acceptEncoding, candidates)
    if (coding === 'identity') return undefined
    const [, suffix, variant] = SIBLINGS.find(([c]) => c === coding) as [string, string, string]
    const opened = await openRegular(path + suffix)
    if (typeof opened !== 'string') return { ...opened, coding, variant }
    candidates.splice(candidates.indexOf(coding), 1)
  }
  return undefined
}

/**
 * Answers `req` with the file at `path` (absolute, already checked to be allowed: the final
 * component is opened with `O_NOFOLLOW`). Returns `'sent'`, or what prevented it
 * (`'not-found'`, `'directory'`, `'forbidden'`) with nothing sent. Named pipes, sockets and
 * devices are `'not-found'` (never waited on). Any other failure to open (`EMFILE`, `EIO`)
 * is thrown, for the server to answer 500.
 *
 * @example
 * ```ts
 * const outcome = await sendFileAt(req, res, '/srv/www/index.html', { cacheControl: 'max-age=60' })
 * if (outcome !== 'sent') res.setStatus(404).send('Not found')
 * ```
 */
export async function sendFileAt(
  req: PorticoRequest<any>,
  res: PorticoResponse,
  path: string,
  options: SendFileOptions = {},
  cache?: { readonly store: FileCache; readonly key: string },
): Promise<SendFileOutcome> {
  const main = await openRegular(path)
  if (typeof main === 'string') return main
  const contentType = options.contentType ?? contentTypeFor(path)
  let file: Opened = main
  let variant: string | undefined
  const siblings = hasSiblings(contentType, options)
  if (siblings) {
    let sibling: Awaited<ReturnType<typeof openSibling>>
    try {
      sibling = await openSibling(path, req.getHeader('accept-encoding'))
    } catch (err) {
      await main.fh.close().catch(() => undefined)
      throw err
    }
    if (sibling !== undefined) {
      await main.fh.close()
      file = sibling
      variant = sibling.variant
      res.setHeader('Content-Encoding', sibling.coding)
    }
    addVary(res, 'Accept-Encoding')
  }
  if (options.headers !== undefined) for (const [k, v] of Object.entries(options.headers)) res.setHeader(k, v)
  const plan = planFile(req.method, requestFields(req), file.stat, contentType, { ...options, variant })
  res.setStatus(plan.status)
  for (const [k, v] of plan.headers) res.setHeader(k, v)
  if ('multipart' in plan) {
    await res.send(fileSource(file.fh, multipartBody(file.fh, plan.multipart)))
    return 'sent'
  }
  if (plan.body === null || req.method === 'HEAD') {
    await file.fh.close()
    if (plan.status === 304 || plan.status === 412 || plan.status === 416) res.removeHeader('Content-Encoding')
    res.end()
    return 'sent'
  }
  const length = plan.body.end - plan.body.start + 1
  if (length <= SMALL_FILE) {
    const buf = Buffer.allocUnsafe(length)
    try {
      await readFully(file.fh, buf, plan.body.start)
    } finally {
      await file.fh.close()
    }
    if (cache !== undefined && variant === undefined && length === file.stat.size) cache.store.set(cache.key, file.stat, contentType, buf)
    res.send(buf)
    return 'sent'
  }
  await res.send(fileSource(file.fh, rangeBody(file.fh, plan.body, true)))
  return 'sent'
}

/** Whether precompressed siblings may exist for a file of this type. */
function hasSiblings(contentType: string, options: SendFileOptions): boolean {
  return options.precompressed !== false && isCompressible(contentType)
}

/**
 * Whether {@link sendCached} may answer: the client does not accept a coding a precompressed
 * sibling could have (a hit never looks for siblings).
 *
 * @example
 * ```ts
 * if (canServeCached(req, hit, options)) sendCached(req, res, hit, options)
 * ```
 */
export function canServeCached(req: PorticoRequest<any>, hit: CachedFile, options: SendFileOptions): boolean {
  return !hasSiblings(hit.contentType, options) || negotiateEncoding(req.getHeader('accept-encoding'), SIBLING_CODINGS) === 'identity'
}
const SIBLING_CODINGS = SIBLINGS.map(([coding]) => coding)

/**
 * Answers from a cached copy of a small file (see `FileCache`): the same plan as
 * {@link sendFileAt}, the bytes from memory.
 *
 * @example
 * ```ts
 * const hit = cache.get(path, st)
 * if (hit !== undefined && canServeCached(req, hit, options)) return sendCached(req, res, hit, options)
 * ```
 */
export function sendCached(req: PorticoRequest<any>, res: PorticoResponse, hit: CachedFile, options: SendFileOptions = {}): void {
  if (hasSiblings(hit.contentType, options)) addVary(res, 'Accept-Encoding')
  if (options.headers !== undefined) for (const [k, v] of Object.entries(options.headers)) res.setHeader(k, v)
  const plan = planFile(req.method, requestFields(req), hit, options.contentType ?? hit.contentType, options)
  res.setStatus(plan.status)
  for (const [k, v] of plan.headers) res.setHeader(k, v)
  if ('multipart' in plan) {
    const pieces: Buffer[] = []
    for (const part of plan.multipart.parts) pieces.push(Buffer.from(part.head, 'latin1'), hit.body.subarray(part.range.start, part.range.end + 1))
    pieces.push(Buffer.from(plan.multipart.trailer, 'latin1'))
    res.send(Buffer.concat(pieces))
    return
  }
  if (plan.body === null || req.method === 'HEAD') return res.end()
  const { start, end } = plan.body
  res.send(start === 0 && end === hit.body.length - 1 ? hit.body : hit.body.subarray(start, end + 1))
}

function requestFields(req: PorticoRequest<any>): FileRequestHeaders {
  return {
    'if-match': req.getHeader('if-match'),
    'if-none-match': req.getHeader('if-none-match'),
    'if-modified-since': req.getHeader('if-modified-since'),
    'if-unmodified-since': req.getHeader('if-unmodified-since'),
    range: req.getHeader('range'),
    'if-range': req.getHeader('if-range'),
  }
}

/** Wraps a body generator so that a response abandoned before it starts still closes the file. */
function fileSource(fh: FileHandle, body: AsyncGenerator<Buffer | string>): AsyncIterable<Buffer | string> & { destroy(): void } {
  let started = false
  return {
    [Symbol.asyncIterator]() {
      started = true
      return body
    },
    destroy() {
      if (!started) fh.close().catch(() => undefined)
    },
  }
}

async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0
  while (off < buf.length) {
    const { bytesRead } = await fh.read(buf, off, buf.length - off, position + off)
    if (bytesRead === 0) throw new Error('file shrank while being read')
    off += bytesRead
  }
}

/**
 * Reads `range` of the file in 128 KiB pieces, the next read started while the current piece
 * is being sent (one piece ahead, no more): the consumer's pace (socket backpressure) sets
 * the reading pace. A file that shrinks mid-way throws, so the response is cut rather than
 * short of its `Content-Length`.
 */
async function* rangeBody(fh: FileHandle, range: ByteRange, close: boolean): AsyncGenerator<Buffer> {
  const end = range.end + 1
  const readAt = (position: number): Promise<Buffer> => {
    const want = Math.min(READ_CHUNK, end - position)
    const buf = Buffer.allocUnsafe(want)
    const read = fh.read(buf, 0, want, position).then(({ bytesRead }) => {
      if (bytesRead === 0) throw new Error('file shrank while being sent')
      return bytesRead === want ? buf : buf.subarray(0, bytesRead)
    })
    read.catch(() => undefined) // a read still in flight when the client leaves must not go unhandled
    return read
  }
  let position = range.start
  let next = position < end ? readAt(position) : undefined
  try {
    while (next !== undefined) {
      const chunk = await next
      position += chunk.length
      next = position < end ? readAt(position) : undefined
      yield chunk
    }
  } finally {
    if (close) await fh.close()
  }
}

async function* multipartBody(fh: FileHandle, plan: MultipartPlan): AsyncGenerator<Buffer | string> {
  try {
    for (const part of plan.parts) {
      yield Buffer.from(part.head, 'latin1')
      yield* rangeBody(fh, part.range, false)
    }
    yield Buffer.from(plan.trailer, 'latin1')
  } finally {
    await fh.close()
  }
}
