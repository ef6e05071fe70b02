/**
 * The response parser as a client connection uses it: it halts at the end of each final
 * response, so that `execute` returns where the response ended and bytes after it are seen,
 * never parsed as the start of the next response (a keep-alive connection carries one exchange
 * at a time). It does so with the parser core's own `halt()` / `resume()`.
 * @module
 */
import { ResponseParser } from '../http1/response-parser.js'
import type { ParserCallbacks, ParserLimits, ResponseHead } from '../http1/types.js'

/**
 * A {@link ResponseParser} that {@link ResponseParser.halt | halts} once a final response
 * (2xx–5xx, or 101) is complete, before its `onComplete` is called; interim 1xx responses do not
 * stop it. {@link ResponseParser.resume | resume()} parses the answer to the next request.
 *
 * @example
 * ```ts
 * const parser = new ClientResponseParser({ onHead, onBody, onComplete })
 * const used = parser.execute(chunk)
 * if (parser.halted && used < chunk.length) dropConnection() // bytes after the response
 * parser.resume()
 * ```
 */
export class ClientResponseParser extends ResponseParser {
  constructor(cb: ParserCallbacks<ResponseHead>, limits?: Partial<ParserLimits>) {
    let parser: ClientResponseParser | undefined
    let final = false
    super({
      onHead(head) {
        final = head.statusCode >= 200 || head.statusCode === 101
        return cb.onHead(head)
      },
      onBody: (chunk) => cb.onBody(chunk),
      onChunkHeader: cb.onChunkHeader === undefined ? undefined : (size, extensions) => cb.onChunkHeader?.(size, extensions),
      onTrailers: cb.onTrailers === undefined ? undefined : (trailers) => cb.onTrailers?.(trailers),
      onComplete() {
        if (final) parser?.halt()
        cb.onComplete()
      },
    }, limits)
    parser = this
  }
}
