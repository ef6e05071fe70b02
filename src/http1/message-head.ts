/**
 * The head objects the parsers hand out: plain fields filled once, and case-insensitive
 * lookups done lazily over the flat `rawHeaders` list (no map is built unless asked for).
 * @module
 */
import type { MessageHead, RequestHead, ResponseHead } from './types.js'

/**
 * What requests and responses share: version, raw headers, framing and the lookups.
 *
 * @example
 * ```ts
 * parser = new RequestParser({ onHead(head) { head.get('host') }, onBody() {}, onComplete() {} })
 * ```
 */
export class HeadBase implements MessageHead {
  versionMajor = 1
  versionMinor = 1
  httpVersion = '1.1'
  rawHeaders: string[] = []
  contentLength = -1
  chunked = false
  keepAlive = true
  upgrade = false

  /**
   * The first value of `name` (case-insensitive); repeated fields joined with `, `, except
   * `Set-Cookie` (RFC 9110 §5.3).
   *
   * @example
   * ```ts
   * head.get('content-type') // 'text/plain'
   * ```
   */
  get(name: string): string | undefined {
    const raw = this.rawHeaders
    const n = name.length
    let lower: string | undefined
    let out: string | undefined
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i]
      if (key.length !== n) continue
      if (key !== name && key.toLowerCase() !== (lower ??= name.toLowerCase())) continue
      if (out === undefined) out = raw[i + 1]
      else if ((lower ??= name.toLowerCase()) === 'set-cookie') return out
      else out += ', ' + raw[i + 1]
    }
    return out
  }

  /**
   * Every value of `name` (case-insensitive), in wire order.
   *
   * @example
   * ```ts
   * head.getAll('set-cookie') // ['a=1', 'b=2']
   * ```
   */
  getAll(name: string): string[] {
    const raw = this.rawHeaders
    const lower = name.toLowerCase()
    const out: string[] = []
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i]
      if (key.length === lower.length && key.toLowerCase() === lower) out.push(raw[i + 1])
    }
    return out
  }
}

/**
 * A parsed request head (see {@link RequestHead}).
 *
 * @example
 * ```ts
 * onHead(head: ParsedRequestHead) { console.log(head.method, head.url) }
 * ```
 */
export class ParsedRequestHead extends HeadBase implements RequestHead {
  method = ''
  url = ''
  expectContinue = false
}

/**
 * A parsed response head (see {@link ResponseHead}).
 *
 * @example
 * ```ts
 * onHead(head: ParsedResponseHead) { console.log(head.statusCode, head.statusMessage) }
 * ```
 */
export class ParsedResponseHead extends HeadBase implements ResponseHead {
  statusCode = 0
  statusMessage = ''
}
