/**
 * The response parser as a client connection uses it: it stops at the end of each response, so
 * that `execute` returns where the response ended and bytes after it are seen, never parsed as
 * the start of the next response (a keep-alive connection carries one exchange at a time).
 * @module
 */
import { ResponseParser } from '../http1/response-parser.js'
import { ST_UPGRADED } from '../http1/parser-states.js'

/**
 * A {@link ResponseParser} that can be stopped after a complete response ({@link halt}) and made
 * ready for the next one ({@link reset}).
 *
 * @example
 * ```ts
 * const parser = new ClientResponseParser({ onHead, onBody, onComplete: () => parser.halt() })
 * const used = parser.execute(chunk)
 * if (used < chunk.length) dropConnection() // bytes after the response
 * parser.reset()
 * ```
 */
export class ClientResponseParser extends ResponseParser {
  /**
   * Stops parsing: `execute` returns at once (with the bytes consumed so far) and consumes
   * nothing more until `reset()`. Call it from `onComplete`.
   */
  halt(): void {
    this.state = ST_UPGRADED
  }
}
