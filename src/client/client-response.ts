/**
 * The answer of {@link request}: status, headers, and a {@link ResponseBody} to read.
 * @module
 */
import type { ResponseHead } from '../http1/types.js'
import type { ResponseBody } from './response-body.js'

/**
 * A response: `status`, `headers` (lower-case names, repeated fields joined with `, `), and a
 * `body` read once with `text()`, `json()`, `bytes()` or `for await` (also available on the
 * response itself).
 *
 * @example
 * ```ts
 * const res = await request('https://api.example.com/users', { json: { name: 'Ada' }, method: 'POST' })
 * if (res.status === 201) console.log(await res.json())
 * ```
 */
export class ClientResponse implements AsyncIterable<Buffer> {
  /** The status code (`200`). */
  readonly status: number
  /** The reason phrase as received (`'OK'`). */
  readonly statusText: string
  /** `'1.1'` or `'1.0'`. */
  readonly httpVersion: string
  /** Flat `[name, value, …]` as received. */
  readonly rawHeaders: readonly string[]
  /** The body. */
  readonly body: ResponseBody
  /** The URL that gave this response (after redirects). */
  readonly url: string
  /** Whether redirects were followed to get here. */
  readonly redirected: boolean
  private cachedHeaders: Record<string, string> | null = null

  constructor(head: ResponseHead, body: ResponseBody, url: string, redirected: boolean) {
    this.status = head.statusCode
    this.statusText = head.statusMessage
    this.httpVersion = head.httpVersion
    this.rawHeaders = head.rawHeaders
    this.body = body
    this.url = url
    this.redirected = redirected
  }

  /** Header fields by lower-case name; repeated fields joined with `, `. */
  get headers(): Record<string, string> {
    let headers = this.cachedHeaders
    if (headers === null) {
      headers = Object.create(null) as Record<string, string>
      const raw = this.rawHeaders
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase()
        const prev = headers[name]
        headers[name] = prev === undefined ? raw[i + 1] : prev + ', ' + raw[i + 1]
      }
      this.cachedHeaders = headers
    }
    return headers
  }

  /**
   * The trailer fields of a chunked response by lower-case name (repeated fields joined with
   * `, `), known once the end of the body has arrived: read the body first.
   *
   * @example
   * ```ts
   * const res = await request(url)
   * await res.text()
   * res.trailers['server-timing'] // 'total;dur=12'
   * ```
   */
  get trailers(): Record<string, string> {
    const out = Object.create(null) as Record<string, string>
    const raw = this.body.rawTrailers
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase()
      const prev = out[name]
      out[name] = prev === undefined ? raw[i + 1] : prev + ', ' + raw[i + 1]
    }
    return out
  }

  /** Whether the status is 2xx. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300
  }

  /**
   * Every `Set-Cookie` value, unjoined.
   *
   * @example
   * ```ts
   * res.getSetCookie() // ['a=1; Path=/', 'b=2']
   * ```
   */
  getSetCookie(): string[] {
    const out: string[] = []
    for (let i = 0; i < this.rawHeaders.length; i += 2) {
      if (this.rawHeaders[i].toLowerCase() === 'set-cookie') out.push(this.rawHeaders[i + 1])
    }
    return out
  }

  /** The body as UTF-8 text (shortcut for `body.text()`). */
  text(): Promise<string> {
    return this.body.text()
  }

  /** The body parsed as JSON (shortcut for `body.json()`). */
  json<T = unknown>(): Promise<T> {
    return this.body.json<T>()
  }

  /** The body as one buffer (shortcut for `body.bytes()`). */
  bytes(): Promise<Buffer> {
    return this.body.bytes()
  }

  /** The body piece by piece (shortcut for iterating `body`). */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.body[Symbol.asyncIterator]()
  }
}
