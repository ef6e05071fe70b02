/**
 * `compress()`: the `'encoding'`-stage middleware that compresses response bodies with the
 * coding the client prefers (RFC 9110 §12.5.3, §8.4): whole bodies at once, streams as they
 * go, only compressible types above a threshold, never `text/event-stream`, ranges, or bodies
 * that already carry a `Content-Encoding`; `Vary: Accept-Encoding` whenever the answer could
 * have been compressed. A 304 carries the `Vary` and the (weakened) `ETag` of the compressed
 * 200 it stands for (RFC 9110 §15.4.5, RFC 9111 §4.3.4), unless the client's If-None-Match
 * shows that the 200 it holds was not compressed.
 * @module
 */
import { PorticoError } from '../errors.js'
import type { PorticoRequest } from '../server/request.js'
import type { PorticoResponse } from '../server/response.js'
import type { BodyEncoder, BodyEncoding } from '../server/body-encoder.js'
import type { Middleware } from '../server/types.js'
import { CompressingStream, compressSync, type CodingOptions } from './compressing-stream.js'
import { parseEtagList } from './conditional.js'
import { isCompressible } from './content-type.js'
import { DEFAULT_CODINGS, negotiateEncoding, type Coding } from './negotiate-encoding.js'
import { addVary } from './vary.js'

/** Options of {@link compress}. */
export interface CompressOptions extends CodingOptions {
  /** Bodies smaller than this (bytes, a number >= 0) are sent as they are. Default 1024. */
  readonly threshold?: number
  /** The codings offered, in the server's order of preference. Default br, gzip, deflate. */
  readonly codings?: readonly Coding[]
  /** Decides, beyond the content type, whether a response may be compressed. */
  readonly filter?: (req: PorticoRequest<any>, res: PorticoResponse) => boolean
}

/**
 * Bodies up to this size are compressed in one synchronous call (so that they leave with a
 * `Content-Length`); larger ones are streamed through the zlib thread pool, HEAD included.
 */
const SYNC_LIMIT = 256 * 1024
const KNOWN_CODINGS: readonly string[] = DEFAULT_CODINGS

function invalid(name: string, value: unknown, expected: string): PorticoError {
  return new PorticoError('PORTICO_ERR_MIDDLEWARE_INVALID_OPTION', `compress(): options.${name} must be ${expected}; got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`)
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
}

/**
 * Checks the options of {@link compress} once, when the middleware is made, so that a
 * mistake fails at start-up rather than in the middle of a response.
 */
function validate(options: CompressOptions): void {
  const { threshold, level, brotliQuality, codings, filter } = options
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold >= 0)) throw invalid('threshold', threshold, 'a number >= 0')
  if (level !== undefined && !isIntegerIn(level, -1, 9)) throw invalid('level', level, 'an integer from 0 to 9 (or -1, the zlib default)')
  if (brotliQuality !== undefined && !isIntegerIn(brotliQuality, 0, 11)) throw invalid('brotliQuality', brotliQuality, 'an integer from 0 to 11')
  if (codings !== undefined) {
    if (!Array.isArray(codings)) throw invalid('codings', codings, "an array of 'br', 'gzip', 'deflate'")
    for (const coding of codings as unknown[]) {
      if (typeof coding !== 'string' || !KNOWN_CODINGS.includes(coding)) throw invalid('codings', coding, "made of 'br', 'gzip', 'deflate'")
    }
  }
  if (filter !== undefined && typeof filter !== 'function') throw invalid('filter', filter, 'a function')
}

/**
 * A middleware for the `'encoding'` stage that compresses response bodies, through the
 * engine's body-encoder hook (`res.setBodyEncoder`): the coding is chosen right before the
 * head is written, when the status, type and size are known. The options are checked here:
 * an out-of-range `level` (0–9), `brotliQuality` (0–11), a negative `threshold`, an unknown
 * coding or a `filter` that is not a function throws a `RangeError` at once.
 *
 * @example
 * ```ts
 * server.use(compress({ threshold: 512 }), { stage: 'encoding' })
 * ```
 */
export function compress(options: CompressOptions = {}): Middleware {
  validate(options)
  const threshold = options.threshold ?? 1024
  const codings = options.codings ?? DEFAULT_CODINGS

  /** Whether the type, caching directives and filter allow compressing this answer at all. */
  const eligible = (req: PorticoRequest<any>, res: PorticoResponse, compressibleType: boolean): boolean => {
    if (!compressibleType) return false
    if (/\bno-transform\b/i.test(res.getHeader('cache-control') ?? '')) return false
    return options.filter === undefined || options.filter(req, res)
  }

  /** The coding to apply, or undefined; adds Vary when the type is eligible. */
  const choose = (req: PorticoRequest<any>, res: PorticoResponse, length: number | undefined): Coding | undefined => {
    if (res.hasHeader('content-encoding') || res.hasHeader('content-range')) return undefined
    const status = res.statusCode
    if (status === 206 || status === 204 || status < 200) return undefined
    if (!eligible(req, res, isCompressible(res.getHeader('content-type')))) return undefined
    addVary(res, 'Accept-Encoding')
    const declared = res.getHeader('content-length')
    const size = length ?? (declared === undefined ? undefined : Number(declared))
    if (size !== undefined && size < threshold) return undefined
    const coding = negotiateEncoding(req.getHeader('accept-encoding'), codings)
    return coding === 'identity' ? undefined : (coding as Coding)
  }

  /**
   * A 304 stands for the 200 it revalidates: it gets that answer's `Vary`, and its `ETag`
   * weakened when that answer would have been compressed, or caches holding the weak one
   * could not match it (RFC 9111 §4.3.4). A 304 seldom tells the size, and often not the
   * type, of that 200: an unknown type counts as compressible when the client accepts
   * codings. What the client holds settles the doubt: when its If-None-Match names the
   * strong tag only, the 200 it has was not compressed (small, precompressed file…), and the
   * tag stays strong. Otherwise a weak tag is the safer mistake: it still matches a strong
   * one under the weak comparison caches and If-None-Match use.
   */
  const revalidated = (req: PorticoRequest<any>, res: PorticoResponse): void => {
    if (res.hasHeader('content-encoding') || res.hasHeader('content-range')) return
    const type = res.getHeader('content-type')
    const accept = req.getHeader('accept-encoding')
    if (type === undefined && accept === undefined) return
    if (!eligible(req, res, type === undefined || isCompressible(type))) return
    addVary(res, 'Accept-Encoding')
    const declared = res.getHeader('content-length')
    if (declared !== undefined && Number(declared) < threshold) return
    if (negotiateEncoding(accept, codings) === 'identity') return
    if (holdsStrong(req.getHeader('if-none-match'), res.getHeader('etag'))) return
    // The 200 would carry the compressed length, unknown here (RFC 9110 §8.6).
    res.removeHeader('Content-Length')
    weakenEtag(res)
  }

  const markEncoded = (res: PorticoResponse, coding: Coding): void => {
    res.setHeader('Content-Encoding', coding)
    res.removeHeader('Content-Length')
    weakenEtag(res)
  }

  const encoder: BodyEncoder = {
    start(res, size) {
      const req = res.req
      if (res.statusCode === 304) {
        revalidated(req, res)
        return undefined
      }
      const head = req.method === 'HEAD'
      // A HEAD without a body but with its GET's Content-Length decides on that length.
      const coding = choose(req, res, size === 0 && head && res.hasHeader('content-length') ? undefined : size)
      if (coding === undefined) return undefined
      markEncoded(res, coding)
      if (size === 0) return EMPTY_BODY
      // HEAD goes the way its GET goes: a small body is compressed for its exact length; a
      // large one, which its GET streams without a length, gets the coding in its head and is
      // not compressed at all (no synchronous work on the event loop).
      return {
        whole: (body) => (body.length <= SYNC_LIMIT ? compressSync(coding, body, options) : undefined),
        stream: (inner) => (head ? inner : new CompressingStream(inner, coding, options)),
      }
    },
  }

  return function compressMiddleware(_req: PorticoRequest<any>, res: PorticoResponse, next: () => Promise<void>): Promise<void> {
    res.setBodyEncoder(encoder)
    return next()
  }
}

/** Whether an If-None-Match names `etag` in its strong form and not in its weak one. */
function holdsStrong(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (ifNoneMatch === undefined || etag === undefined || etag.startsWith('W/')) return false
  const tags = parseEtagList(ifNoneMatch)
  return tags !== '*' && tags.includes(etag) && !tags.includes(`W/${etag}`)
}

/** A compressed answer is another representation: its strong ETag becomes weak (RFC 9110 §8.8.3). */
function weakenEtag(res: PorticoResponse): void {
  const etag = res.getHeader('etag')
  if (etag !== undefined && !etag.startsWith('W/')) res.setHeader('ETag', `W/${etag}`)
}

/** No body (`res.end()`): the head with the coding a body would have had, an empty body. */
const EMPTY_BODY: BodyEncoding = { whole: () => undefined, stream: (inner) => inner }
