/**
 * `decodeRequestBody()`: request bodies sent with `Content-Encoding: gzip | deflate | br`
 * (RFC 9110 §8.4) are decoded as they are read, and the size limit applies to the *decoded*
 * bytes: a decompression bomb stops at the limit with 413, its output never held whole.
 * @module
 */
import { Readable, pipeline, type Transform } from 'node:stream'
import zlib from 'node:zlib'
import { HttpError, PorticoError } from '../errors.js'
import type { PorticoRequest } from '../server/request.js'
import type { PorticoResponse } from '../server/response.js'
import type { Middleware } from '../server/types.js'

/** Options of {@link decodeRequestBody}. */
export interface DecodeBodyOptions {
  /** The limit on the decoded body, in bytes. Default: the server's `getMaxRequestSize()`. */
  readonly maxDecodedSize?: number
}

const DECODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
}

/**
 * The codings of a `Content-Encoding` value in the order they were applied, `identity`
 * left out; `undefined` when one is not supported.
 *
 * @example
 * ```ts
 * parseContentEncoding('gzip, br') // ['gzip', 'br']  (decode br first, then gzip)
 * parseContentEncoding('zstd')     // undefined
 * ```
 */
export function parseContentEncoding(value: string): string[] | undefined {
  const out: string[] = []
  for (const member of value.split(',')) {
    const coding = member.trim().toLowerCase()
    if (coding === '' || coding === 'identity') continue
    if (!(coding in DECODERS)) return undefined
    out.push(coding)
  }
  return out
}

/**
 * Decodes `source` through `codings` (last applied first), yielding decoded chunks and
 * throwing 413 (`PORTICO_ERR_REQUEST_TOO_LARGE`) once more than `limit` bytes came out, or
 * 400 when the data is not valid for its coding.
 *
 * @example
 * ```ts
 * for await (const chunk of decodeStream(req.body, ['gzip'], 1 << 20)) handle(chunk)
 * ```
 */
export async function* decodeStream(source: AsyncIterable<Buffer>, codings: readonly string[], limit: number): AsyncGenerator<Buffer> {
  const decoders = [...codings].reverse().map((c) => DECODERS[c]())
  const input = Readable.from(source, { objectMode: false })
  const output = pipeline([input, ...decoders] as unknown as [Readable, Transform], () => undefined) as unknown as Transform
  let total = 0
  try {
    for await (const chunk of output as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > limit) throw new PorticoError('PORTICO_ERR_REQUEST_TOO_LARGE', `Decoded request body larger than ${limit} bytes`)
      yield chunk
    }
  } catch (err) {
    if (err instanceof PorticoError) throw err
    throw new HttpError(400, 'Malformed encoded request body', { cause: err })
  } finally {
    input.destroy()
    for (const d of decoders) d.destroy()
  }
}

/**
 * Collects a decoded body whole, within the limit.
 *
 * @example
 * ```ts
 * const bytes = await decodeAll(req.body, ['br'], 1 << 20)
 * ```
 */
export async function decodeAll(source: AsyncIterable<Buffer>, codings: readonly string[], limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of decodeStream(source, codings, limit)) {
    chunks.push(chunk)
    size += chunk.length
  }
  return Buffer.concat(chunks, size)
}

/**
 * A middleware (stage `'encoding'` suits it) that makes `req.body`, `req.bytes()`,
 * `req.text()` and `req.parseJsonBody()` see the decoded body. An unsupported coding gets 415
 * with the supported ones in `Accept-Encoding` (RFC 9110 §15.5.16).
 *
 * @example
 * ```ts
 * server.use(decodeRequestBody({ maxDecodedSize: 10 * 1024 * 1024 }), { stage: 'encoding' })
 * ```
 */
export function decodeRequestBody(options: DecodeBodyOptions = {}): Middleware {
  return async function decodeBodyMiddleware(req: PorticoRequest<any>, _res: PorticoResponse, next: () => Promise<void>): Promise<void> {
    const header = req.getHeader('content-encoding')
    if (header === undefined || req.bodyReader === undefined) return next()
    const codings = parseContentEncoding(header)
    if (codings === undefined) {
      throw new HttpError(415, 'Unsupported Content-Encoding', { headers: { 'Accept-Encoding': 'br, gzip, deflate' } })
    }
    if (codings.length === 0) return next()
    // The engine's decoder hook: the body is decoded as it is read, the limit on decoded bytes.
    const limit = options.maxDecodedSize ?? req.server.getMaxRequestSize()
    req.setBodyDecoder((raw) => decodeStream(raw, codings, limit), limit)
    return next()
  }
}
