/**
 * `compress()`: the `'encoding'`-stage middleware that compresses response bodies with the
 * coding the client prefers (RFC 9110 §12.5.3, §8.4): whole bodies at once, streams as they
 * go, only compressible types above a threshold, never `text/event-stream`, ranges, or bodies
 * that already carry a `Content-Encoding`; `Vary: Accept-Encoding` whenever the answer could
 * have been compressed.
 * @module
 */
import type { PorticoRequest } from '../server/request.js'
import type { PorticoResponse } from '../server/response.js'
import type { BodyEncoder, BodyEncoding } from '../server/body-encoder.js'
import type { Middleware } from '../server/types.js'
import { CompressingStream, compressSync, type CodingOptions } from './compressing-stream.js'
import { isCompressible } from './content-type.js'
import { DEFAULT_CODINGS, negotiateEncoding, type Coding } from './negotiate-encoding.js'
import { addVary } from './vary.js'

/** Options of {@link compress}. */
export interface CompressOptions extends CodingOptions {
  /** Bodies smaller than this (bytes) are sent as they are. Default 1024. */
  readonly threshold?: number
  /** The codings offered, in the server's order of preference. Default br, gzip, deflate. */
  readonly codings?: readonly Coding[]
  /** Decides, beyond the content type, whether a response may be compressed. */
  readonly filter?: (req: PorticoRequest<any>, res: PorticoResponse) => boolean
}

/** Bodies up to this size are compressed in one synchronous call; larger ones are streamed. */
const SYNC_LIMIT = 256 * 1024

/**
 * A middleware for the `'encoding'` stage that compresses response bodies, through the
 * engine's body-encoder hook (`res.setBodyEncoder`): the coding is chosen right before the
 * head is written, when the status, type and size are known.
 *
 * @example
 * ```ts
 * server.use(compress({ threshold: 512 }), { stage: 'encoding' })
 * ```
 */
export function compress(options: CompressOptions = {}): Middleware {
  const threshold = options.threshold ?? 1024
  const codings = options.codings ?? DEFAULT_CODINGS

  /** The coding to apply, or undefined; adds Vary when the type is eligible. */
  const choose = (req: PorticoRequest<any>, res: PorticoResponse, length: number | undefined): Coding | undefined => {
    if (res.hasHeader('content-encoding') || res.hasHeader('content-range')) return undefined
    const status = res.statusCode
    if (status === 206 || status === 204 || status < 200) return undefined
    if (!isCompressible(res.getHeader('content-type'))) return undefined
    if (/\bno-transform\b/i.test(res.getHeader('cache-control') ?? '')) return undefined
    if (options.filter !== undefined && !options.filter(req, res)) return undefined
    addVary(res, 'Accept-Encoding')
    if (status === 304) return undefined
    const declared = res.getHeader('content-length')
    const size = length ?? (declared === undefined ? undefined : Number(declared))
    if (size !== undefined && size < threshold) return undefined
    const coding = negotiateEncoding(req.getHeader('accept-encoding'), codings)
    return coding === 'identity' ? undefined : (coding as Coding)
  }
  const markEncoded = (res: PorticoResponse, coding: Coding): void => {
    res.setHeader('Content-Encoding', coding)
    res.removeHeader('Content-Length')
    const etag = res.getHeader('etag')
    if (etag !== undefined && !etag.startsWith('W/')) res.setHeader('ETag', `W/${etag}`)
  }

  const encoder: BodyEncoder = {
    start(res, size) {
      const req = res.req
      const head = req.method === 'HEAD'
      // A HEAD without a body but with its GET's Content-Length decides on that length.
      const coding = choose(req, res, size === 0 && head && res.hasHeader('content-length') ? undefined : size)
      if (coding === undefined) return undefined
      markEncoded(res, coding)
      if (size === 0) return EMPTY_BODY
      return {
        whole: (body) => (body.length <= SYNC_LIMIT || head ? compressSync(coding, body, options) : undefined),
        stream: (inner) => (head ? inner : new CompressingStream(inner, coding, options)),
      }
    },
  }

  return function compressMiddleware(_req: PorticoRequest<any>, res: PorticoResponse, next: () => Promise<void>): Promise<void> {
    res.setBodyEncoder(encoder)
    return next()
  }
}

/** No body (`res.end()`): the head with the coding a body would have had, an empty body. */
const EMPTY_BODY: BodyEncoding = { whole: () => undefined, stream: (inner) => inner }
