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
import type { OpenStreamOptions, ResponseStream } from '../server/response-stream.js'
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

type Body = Parameters<PorticoResponse['send']>[0]

/**
 * A middleware for the `'encoding'` stage that compresses response bodies.
 *
 * @example
 * ```ts
 * server.use(compress({ threshold: 512 }), { stage: 'encoding' })
 * ```
 */
export function compress(options: CompressOptions = {}): Middleware {
  const threshold = options.threshold ?? 1024
  const codings = options.codings ?? DEFAULT_CODINGS
  return function compressMiddleware(req: PorticoRequest<any>, res: PorticoResponse, next: () => Promise<void>): Promise<void> {
    const accept = req.getHeader('accept-encoding')
    const originalSend = res.send.bind(res)
    const originalOpen = res.openStream.bind(res)
    const originalEnd = res.end.bind(res)
    let wrapper: CompressingStream | undefined

    /** The coding to apply, or undefined; adds Vary when the type is eligible. */
    const choose = (length: number | undefined): Coding | undefined => {
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
      const coding = negotiateEncoding(accept, codings)
      return coding === 'identity' ? undefined : (coding as Coding)
    }
    const markEncoded = (coding: Coding): void => {
      res.setHeader('Content-Encoding', coding)
      res.removeHeader('Content-Length')
      const etag = res.getHeader('etag')
      if (etag !== undefined && !etag.startsWith('W/')) res.setHeader('ETag', `W/${etag}`)
    }

    const openCompressed = (coding: Coding, streamOptions: OpenStreamOptions): ResponseStream => {
      const inner = originalOpen(streamOptions)
      if (req.method === 'HEAD') return inner
      wrapper = new CompressingStream(inner, coding, options)
      return wrapper as unknown as ResponseStream
    }

    res.send = (body?: Body): void | Promise<void> => {
      if (typeof body === 'string' && !res.hasHeader('content-type')) res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      if (typeof body === 'string' || body instanceof Uint8Array) {
        const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
        const coding = choose(bytes.length)
        if (coding === undefined) return originalSend(body)
        markEncoded(coding)
        if (bytes.length <= SYNC_LIMIT || req.method === 'HEAD') return originalSend(compressSync(coding, bytes, options))
        const out = openCompressed(coding, {})
        out.write(bytes)
        out.end()
        return
      }
      return originalSend(body)
    }
    res.setJson = (value: unknown): void => {
      if (!res.hasHeader('content-type')) res.setHeader('Content-Type', 'application/json')
      void res.send(JSON.stringify(value) ?? 'null')
    }
    res.openStream = (streamOptions: OpenStreamOptions = {}): ResponseStream => {
      const coding = streamOptions.raw === true ? undefined : choose(undefined)
      if (coding === undefined) return originalOpen(streamOptions)
      markEncoded(coding)
      return openCompressed(coding, streamOptions)
    }
    res.end = (): void => {
      if (wrapper !== undefined) return wrapper.end()
      if (res.headersSent) return originalEnd()
      // No body: a 304 still varies; a HEAD gets the Content-Encoding its GET would have.
      const coding = choose(req.method === 'HEAD' && res.hasHeader('content-length') ? undefined : 0)
      if (coding === undefined) return originalEnd()
      markEncoded(coding)
      originalOpen({}).end()
    }
    return next()
  }
}
