/**
 * The incremental HTTP/1.1 response parser (RFC 9112 §4), for the client: status line, then
 * the shared field, framing and body handling of {@link Http1Parser}.
 * @module
 */
import { FIELD_VALUE } from './char-tables.js'
import { ParsedResponseHead, type HeadBase } from './message-head.js'
import { Http1Parser } from './parser-core.js'
import * as states from './parser-states.js'
import type { ResponseHead } from './types.js'

// Module-local copies: V8 reads these faster than namespace properties in the hot loops.
const { CR, LF, SP, ST_AFTER_VERSION, ST_FIELD_START, ST_LINE_LF, ST_PROTO, ST_REASON, ST_STATUS,
  ST_STATUS_AFTER } = states

/**
 * Parses responses from bytes fed in pieces of any size. Bodies end by Content-Length,
 * chunked, or the connection's close (`finish()`); 1xx (but 101), 204 and 304 have none, nor
 * has a response for which `onHead` returns `true` (the answer to a HEAD request). A 101
 * stops the parser (`upgraded`), `execute` returning where the new protocol's bytes begin.
 *
 * @example
 * ```ts
 * import { ResponseParser } from 'portico/http1'
 * const parser = new ResponseParser({
 *   onHead(head) { console.log(head.statusCode); return requestWasHead },
 *   onBody(chunk) { body.push(chunk) },
 *   onComplete() { done() },
 * })
 * socket.on('data', (chunk) => parser.execute(chunk))
 * socket.on('end', () => parser.finish())
 * ```
 */
export class ResponseParser extends Http1Parser<ResponseHead> {
  private status = 0
  private digits = 0
  private reasonStart = 0
  private reasonEnd = 0

  protected firstState(): number {
    return ST_PROTO
  }

  protected isConnect(): boolean {
    return false
  }

  protected versionOk(major: number, minor: number): boolean {
    return (major === 1 && (minor === 1 || minor === 0)) || (major === 0 && minor === 9)
  }

  protected httpProtocol(): void {}

  protected makeHead(str: string, raw: string[]): HeadBase {
    const head = new ParsedResponseHead()
    head.statusCode = this.status
    head.statusMessage = this.reasonEnd > this.reasonStart ? str.slice(this.reasonStart, this.reasonEnd) : ''
    head.rawHeaders = raw
    return head
  }

  protected startLinePartial(): void {}

  /** `status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF` (RFC 9112 §4). */
  protected startLine(data: Buffer, p: number, len: number): number {
    const base = this.base
    let state = this.state
    while (p < len) {
      const c = data[p]
      switch (state) {
        case ST_AFTER_VERSION:
          if (c !== SP) this.fail('PORTICO_ERR_INVALID_VERSION', p)
          this.status = 0
          this.digits = 0
          state = ST_STATUS
          p++
          continue
        case ST_STATUS: {
          const d = c - 0x30
          if (d < 0 || d > 9) this.fail('PORTICO_ERR_INVALID_STATUS', p)
          this.status = this.status * 10 + d
          if (++this.digits === 3) {
            // RFC 9110 §15: the first digit is the class, 1 to 5 (6–9 are let through, as llhttp does).
            if (this.status < 100) this.fail('PORTICO_ERR_INVALID_STATUS', p)
            state = ST_STATUS_AFTER
          }
          p++
          continue
        }
        case ST_STATUS_AFTER:
          if (c === SP) {
            this.reasonStart = this.reasonEnd = p + 1 + base
            state = ST_REASON
            p++
            continue
          }
          if (c === CR) {
            this.reasonStart = this.reasonEnd = 0
            state = ST_LINE_LF
            p++
            continue
          }
          if (c === LF) this.fail('PORTICO_ERR_LF_EXPECTED', p + 1)
          this.fail('PORTICO_ERR_INVALID_STATUS', p)
        // falls through (unreachable: fail throws)
        case ST_REASON: {
          while (p < len && FIELD_VALUE[data[p]] === 1) p++
          if (p === len) break
          const e = data[p]
          if (e === CR) {
            this.reasonEnd = p + base
            state = ST_LINE_LF
            p++
            continue
          }
          if (e === LF) this.fail('PORTICO_ERR_LF_EXPECTED', p + 1)
          this.fail('PORTICO_ERR_INVALID_STATUS', p)
        }
        // falls through (unreachable: fail throws)
        case ST_LINE_LF:
          if (c !== LF) this.fail('PORTICO_ERR_BARE_CR', p)
          p++
          this.checkSize(p)
          this.state = ST_FIELD_START
          return p
        default:
          this.state = state
          p = this.protocolVersion(data, p, len)
          state = this.state
          continue
      }
      break
    }
    this.state = state
    return p
  }
}
