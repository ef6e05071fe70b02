/**
 * `PorticoRequest`: what a handler sees of a request. Built once per request from the parsed
 * head; everything derived (decoded path, query, header records, body reader) is computed on
 * first use only.
 * @module
 */
import type { Duplex } from 'node:stream'
import type { RequestHead } from '../http1/types.js'
import { HttpError, PorticoError } from '../errors.js'
import { BodyReader, EMPTY_BODY } from './body-reader.js'
import type { BodyDecoder } from './body-encoder.js'
import type { Server } from './server.js'

const EMPTY_ASYNC: AsyncIterable<Buffer> = { async *[Symbol.asyncIterator]() {} }

/**
 * A request as handlers see it. `P` is the type of `params`, inferred from the route pattern.
 *
 * @example
 * ```ts
 * server.get('/users/{id}', (req) => ({ id: req.params.id, q: req.getQueryParam('q'), ua: req.getHeader('user-agent') }))
 * ```
 */
export class PorticoRequest<P = Record<string, string | number>> {
  /** The method token as received (`'GET'`). */
  readonly method: string
  /** The request-target as received (`'/a%20b?x=1'`). */
  readonly url: string
  /** The path parameters of the matched route. */
  params: P
  /** The server that received the request. */
  readonly server: Server
  /** The socket (undefined for a request that has none). */
  readonly socket: Duplex | undefined
  /** @internal the parsed head */
  readonly head: RequestHead
  /** @internal the body, when the request has one */
  readonly bodyReader: BodyReader | undefined
  /** @internal bytes after the head of an upgrade request */
  upgradeHead: Buffer | undefined = undefined
  /** @internal the body limit of the matched route (server's limit until routed) */
  bodyLimit: number
  /** @internal what the router answered when no route matched (see dispatch.ts) */
  unmatched: unknown = undefined
  private decoded: AsyncIterable<Buffer> | undefined = undefined
  private cachedPath: string | undefined = undefined
  private cachedQuery: Record<string, string> | undefined = undefined
  private cachedHeaders: Record<string, string> | undefined = undefined

  constructor(server: Server, head: RequestHead, socket: Duplex | undefined, body: BodyReader | undefined) {
    this.server = server
    this.head = head
    this.method = head.method
    this.url = head.url
    this.socket = socket
    this.bodyReader = body
    this.params = EMPTY_PARAMS as P
    this.bodyLimit = server.maxRequestSize
  }

  /** `'1.1'` or `'1.0'`. */
  get httpVersion(): string {
    return this.head.httpVersion
  }

  /** The path of the request-target, not decoded (no query). */
  get rawPath(): string {
    const url = this.url
    if (url.charCodeAt(0) !== 0x2f) return absolutePath(url)
    const end = pathEnd(url, 0)
    return end < 0 ? url : url.slice(0, end)
  }

  /** The query of the request-target with its `?` (`'?page=2'`), or `''`; never the fragment. */
  get search(): string {
    const url = this.url
    const q = url.indexOf('?')
    if (q < 0) return ''
    const h = url.indexOf('#')
    if (h >= 0 && h < q) return ''
    return h < 0 ? url.slice(q) : url.slice(q, h)
  }

  /** The path, percent-decoded (`'/a b'`). */
  get path(): string {
    if (this.cachedPath === undefined) {
      const raw = this.rawPath
      this.cachedPath = raw.includes('%') ? safeDecode(raw) : raw
    }
    return this.cachedPath
  }

  /** The query string parameters (first value of each name). */
  get query(): Record<string, string> {
    if (this.cachedQuery === undefined) {
      const out: Record<string, string> = Object.create(null)
      const search = this.search
      if (search !== '') for (const [k, v] of new URLSearchParams(search)) if (!(k in out)) out[k] = v
      this.cachedQuery = out
    }
    return this.cachedQuery
  }

  /** One query parameter, or undefined. */
  getQueryParam(name: string): string | undefined {
    return this.query[name]
  }

  /** One path parameter, as a string, or undefined. */
  getPathParam(name: string): string | undefined {
    const params = this.params as Record<string, unknown>
    return Object.hasOwn(params, name) ? String(params[name]) : undefined
  }

  /** A header, looked up case-insensitively (repeated fields joined with `, `). */
  getHeader(name: string): string | undefined {
    return this.head.get(name)
  }

  /** The header fields as `[name, value]` pairs in wire order. */
  get rawHeaders(): [string, string][] {
    const flat = this.head.rawHeaders
    const out: [string, string][] = []
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]])
    return out
  }

  /** The header fields, lower-cased names; repeated fields joined with `, `. */
  get headers(): Record<string, string> {
    if (this.cachedHeaders === undefined) {
      const out: Record<string, string> = Object.create(null)
      const flat = this.head.rawHeaders
      for (let i = 0; i < flat.length; i += 2) {
        const k = flat[i].toLowerCase()
        const prev = out[k]
        out[k] = prev === undefined ? flat[i + 1] : prev + ', ' + flat[i + 1]
      }
      this.cachedHeaders = out
    }
    return this.cachedHeaders
  }

  /** The peer's address. */
  get remoteAddress(): string | undefined {
    return (this.socket as { remoteAddress?: string } | undefined)?.remoteAddress
  }

  /**
   * The request asks for a protocol switch (`Upgrade` field). Never for HTTP/1.0: a server
   * MUST ignore `Upgrade` in an HTTP/1.0 request (RFC 9110 §7.8).
   */
  get isUpgrade(): boolean {
    return this.upgradeProtocol !== undefined
  }

  /** The `Upgrade` field (`'websocket'`), if any (never for HTTP/1.0, see `isUpgrade`). */
  get upgradeProtocol(): string | undefined {
    return this.head.httpVersion === '1.0' ? undefined : this.head.get('upgrade')
  }

  /** The body as an async iterable of chunks (read once). */
  get body(): AsyncIterable<Buffer> {
    return this.decoded ?? this.bodyReader ?? EMPTY_ASYNC
  }

  /** The whole body (413 past the limit). */
  bytes(): Promise<Buffer> {
    if (this.decoded !== undefined) return collect(this.decoded)
    return this.bodyReader === undefined ? Promise.resolve(EMPTY_BODY) : this.bodyReader.bytes()
  }

  /**
   * Makes `body`, `bytes()`, `text()` and `parseJsonBody()` read the body through `decode`
   * (a `Content-Encoding` decoder), with `limit` (default: the route's body limit) applied
   * to the *decoded* bytes: past it, reading throws `PORTICO_ERR_REQUEST_TOO_LARGE` (413)
   * and the decoder is stopped. Call it before the body is read (a middleware does).
   *
   * @example
   * ```ts
   * req.setBodyDecoder((raw) => decodeStream(raw, ['gzip']), 10 * 1024 * 1024)
   * ```
   */
  setBodyDecoder(decode: BodyDecoder, limit: number = this.bodyLimit): void {
    if (this.bodyReader === undefined) return
    if (this.bodyReader.consumed) throw new PorticoError('PORTICO_ERR_BODY_CONSUMED')
    this.decoded = bounded(decode(this.bodyReader), limit)
  }

  /** The whole body decoded as UTF-8. */
  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8')
  }

  /** The body parsed as JSON; a malformed body throws an `HttpError(400)`. */
  async parseJsonBody<T = unknown>(): Promise<T> {
    const text = await this.text()
    try {
      return JSON.parse(text) as T
    } catch (cause) {
      throw new HttpError(400, 'Malformed JSON body', { cause })
    }
  }
}

/** Yields the chunks of `source`, throwing 413 once more than `limit` bytes came out. */
async function* bounded(source: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  let total = 0
  for await (const chunk of source) {
    total += chunk.length
    if (total > limit) throw new PorticoError('PORTICO_ERR_REQUEST_TOO_LARGE', `Decoded request body larger than ${limit} bytes`)
    yield chunk
  }
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of source) {
    chunks.push(chunk)
    size += chunk.length
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)
}

const EMPTY_PARAMS: Record<string, never> = Object.freeze({}) as Record<string, never>

/**
 * Where the path of a request-target ends: at its `?` or at a `#` (a fragment, which a client
 * should not send, RFC 9112 §3.2; llhttp and Portico's parser accept one), -1 when neither.
 */
function pathEnd(url: string, from: number): number {
  const q = url.indexOf('?', from)
  const h = url.indexOf('#', from)
  return h < 0 ? q : q < 0 || h < q ? h : q
}

/** The path of an absolute-form (`http://host/p?q`) or asterisk-form target. */
function absolutePath(url: string): string {
  if (url === '*') return '*'
  const scheme = url.indexOf('://')
  if (scheme < 0) return url
  // The authority ends at the first `/`, `?` or `#` (RFC 3986 §3.2): `http://h?next=/admin`
  // has an empty path, not `/admin`.
  const slash = url.indexOf('/', scheme + 3)
  const end = pathEnd(url, scheme + 3)
  if (slash < 0 || (end >= 0 && end < slash)) return '/'
  const stop = pathEnd(url, slash)
  return stop < 0 ? url.slice(slash) : url.slice(slash, stop)
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
