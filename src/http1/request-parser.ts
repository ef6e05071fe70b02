/**
 * The incremental HTTP/1.1 request parser (RFC 9112 §3): request line, then the shared field,
 * framing and body handling of {@link Http1Parser}.
 * @module
 */
import { URL_CHAR, TOKEN } from './char-tables.js'
import { ParsedRequestHead, type HeadBase } from './message-head.js'
import { ALL_METHODS, HTTP_METHODS, commonMethod, methodPrefixLength } from './methods.js'
import { Http1Parser } from './parser-core.js'
import * as states from './parser-states.js'
import { targetError } from './request-target.js'
import type { RequestHead } from './types.js'

// Module-local copies: V8 reads these faster than namespace properties in the hot loops.
const { CR, LF, SP, ST_AFTER_VERSION, ST_FIELD_START, ST_LINE_LF, ST_METHOD, ST_PROTO, ST_URL } = states

/**
 * Parses requests from bytes fed in pieces of any size, pipelined messages included.
 * `execute` calls `onHead`, `onBody` (views of the input), `onChunkHeader`, `onTrailers` and
 * `onComplete` synchronously and returns the bytes consumed; an Upgrade request, CONNECT or
 * the HTTP/2 preface stops it (`upgraded`) and the return value says where the other
 * protocol's bytes begin. Protocol errors throw `HttpParseError` with the status to answer.
 *
 * @example
 * ```ts
 * import { RequestParser } from 'portico/http1'
 * const parser = new RequestParser({
 *   onHead(head) { console.log(head.method, head.url, head.get('host')) },
 *   onBody(chunk) { body.push(chunk) },
 *   onComplete() { respond() },
 * })
 * socket.on('data', (chunk) => parser.execute(chunk))
 * ```
 */
export class RequestParser extends Http1Parser<RequestHead> {
  private method = ''
  private urlStart = 0
  private urlEnd = 0

  protected firstState(): number {
    return ST_METHOD
  }

  protected isConnect(): boolean {
    return this.method === 'CONNECT'
  }

  protected versionOk(major: number, minor: number): boolean {
    return (major === 1 && (minor === 1 || minor === 0)) || (major === 2 && minor === 0 && this.method === 'PRI')
  }

  protected httpProtocol(p: number): void {
    if (!HTTP_METHODS.has(this.method)) this.fail('PORTICO_ERR_INVALID_METHOD', p, 'Method not valid for HTTP')
  }

  protected makeHead(str: string, raw: string[]): HeadBase {
    const head = new ParsedRequestHead()
    head.method = this.method
    head.url = str.slice(this.urlStart, this.urlEnd)
    head.rawHeaders = raw
    return head
  }

  protected startLinePartial(len: number): void {
    const end = len + this.base
    if (this.state === ST_METHOD) {
      const text = this.sectionSlice(0, end)
      const n = methodPrefixLength(text)
      if (n < text.length) this.fail('PORTICO_ERR_INVALID_METHOD', n - this.base)
    } else if (this.state === ST_URL && end - this.urlStart > this.maxUrlLength) {
      this.fail('PORTICO_ERR_URI_TOO_LONG', this.urlStart + this.maxUrlLength - this.base)
    }
  }

  /** `request-line = method SP request-target SP HTTP-version CRLF` (RFC 9112 §3). */
  protected startLine(data: Buffer, p: number, len: number): number {
    const base = this.base
    const token = TOKEN
    const urlChar = URL_CHAR
    let state = this.state
    while (p < len) {
      switch (state) {
        case ST_METHOD: {
          while (p < len && token[data[p]] === 1) p++
          if (p === len) break
          const n = p + base
          let method = base <= 0 ? commonMethod(data, -base, n) : undefined
          if (method === undefined) method = this.sectionSlice(0, n)
          if (data[p] !== SP || !ALL_METHODS.has(method)) {
            this.fail('PORTICO_ERR_INVALID_METHOD', methodPrefixLength(method) - base)
          }
          this.method = method
          p++
          this.urlStart = p + base
          state = ST_URL
          continue
        }
        case ST_URL: {
          while (p < len && urlChar[data[p]] === 1) p++
          if (p === len) break
          const end = p + base
          if (end - this.urlStart > this.maxUrlLength) this.fail('PORTICO_ERR_URI_TOO_LONG', this.urlStart + this.maxUrlLength - base)
          if (end === this.urlStart) this.fail('PORTICO_ERR_INVALID_URL', p)
          this.urlEnd = end
          const first = this.byteAt(this.urlStart)
          if (first !== 0x2f || this.method === 'CONNECT') {
            const bad = targetError(this.sectionSlice(this.urlStart, end), this.method === 'CONNECT')
            if (bad >= 0) this.fail('PORTICO_ERR_INVALID_URL', this.urlStart + bad - base)
          }
          const c = data[p]
          if (c === CR) {
            // HTTP/0.9-style request line without a version, as llhttp accepts it.
            this.major = 0
            this.minor = 9
            state = ST_LINE_LF
            p++
            continue
          }
          if (c !== SP) this.fail('PORTICO_ERR_INVALID_URL', p)
          p++
          if (
            p + 10 <= len &&
            data[p] === 0x48 && data[p + 1] === 0x54 && data[p + 2] === 0x54 && data[p + 3] === 0x50 && data[p + 4] === 0x2f &&
            data[p + 5] === 0x31 && data[p + 6] === 0x2e && (data[p + 7] === 0x31 || data[p + 7] === 0x30) &&
            data[p + 8] === CR && data[p + 9] === LF
          ) {
            this.httpProtocol(p + 4)
            this.major = 1
            this.minor = data[p + 7] - 0x30
            p += 10
            return this.lineDone(p)
          }
          state = ST_PROTO
          continue
        }
        case ST_AFTER_VERSION: {
          const c = data[p]
          if (c === CR) {
            state = ST_LINE_LF
            p++
            continue
          }
          if (c === LF) this.fail('PORTICO_ERR_LF_EXPECTED', p + 1)
          this.fail('PORTICO_ERR_INVALID_VERSION', p)
        }
        case ST_LINE_LF:
          if (data[p] !== LF) this.fail('PORTICO_ERR_BARE_CR', p)
          return this.lineDone(p + 1)
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

  /** The request line ended at `p`: fields follow, or the rest of the HTTP/2 preface. */
  private lineDone(p: number): number {
    this.checkSize(p)
    if (this.method === 'PRI') this.enterPreface()
    else this.state = ST_FIELD_START
    return p
  }
}
