/**
 * The engine's hooks for body transformation, so upper layers (compression, request-body
 * decoding) never replace methods of the engine's objects:
 * - `res.setBodyEncoder(encoder)`: the response body goes through an encoder chosen right
 *   before the head is written;
 * - `req.setBodyDecoder(decode, limit)`: the request body the handler reads is decoded, the
 *   size limit applied to the decoded bytes.
 * @module
 */
import type { PorticoResponse } from './response.js'
import type { BodyStream, ResponseStream } from './response-stream.js'

/**
 * How one response body is encoded, once the encoder chose to.
 *
 * @example
 * ```ts
 * const gzip: BodyEncoding = {
 *   whole: (body) => (body.length <= 65536 ? zlib.gzipSync(body) : undefined),
 *   stream: (inner) => new GzipStream(inner),
 * }
 * ```
 */
export interface BodyEncoding {
  /**
   * Encodes a whole body at once (the engine then sends it with its `Content-Length`), or
   * returns undefined to have it written through {@link BodyEncoding.stream} instead.
   */
  whole?(body: Uint8Array): Uint8Array | undefined
  /**
   * Wraps the response stream (chunked, head already written): what the handler (or the
   * engine, for a whole body) writes goes through the returned stream, which writes the
   * encoded bytes to `inner` and ends it.
   */
  stream(inner: ResponseStream): BodyStream
}

/**
 * Chooses, per response, whether and how to encode its body.
 *
 * @example
 * ```ts
 * res.setBodyEncoder({
 *   start(res, size) {
 *     if (size !== undefined && size < 1024) return undefined
 *     res.setHeader('Content-Encoding', 'gzip').removeHeader('Content-Length')
 *     return gzip
 *   },
 * })
 * ```
 */
export interface BodyEncoder {
  /**
   * Called once, before the head is written, with the body size when it is known (`0` for
   * `res.end()` without a body) or `undefined` for a stream. It may change the status and
   * headers (`Content-Encoding`, `Vary`, `ETag`); it returns the encoding to apply, or
   * undefined to send the body as it is.
   */
  start(res: PorticoResponse, size: number | undefined): BodyEncoding | undefined
}

/**
 * Decodes a request body: the raw body in, the decoded body out (it may throw an
 * `HttpError(400)` on bad data).
 *
 * @example
 * ```ts
 * const gunzip: BodyDecoder = (raw) => Readable.from(raw).pipe(zlib.createGunzip())
 * req.setBodyDecoder(gunzip)
 * ```
 */
export type BodyDecoder = (raw: AsyncIterable<Buffer>) => AsyncIterable<Buffer>
