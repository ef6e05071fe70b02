/**
 * `request(url, options)`: the call most users make. Builds the request, takes a keep-alive
 * connection from an {@link Agent}, retries once on a stale socket when that is safe, follows
 * redirects when asked, and decodes compressed bodies.
 * @module
 */
import { PorticoError } from '../errors.js'
import { validateMethod, writeRequestHead } from '../http1/head-writer.js'
import { methodName, type Method } from '../http1/method.js'
import { Agent } from './agent.js'
import type { ClientResponse } from './client-response.js'
import { isRetryable, runExchange } from './exchange.js'
import { proxyFromEnv } from './proxy-env.js'
import { checkProxyUrl, proxyAuthorization } from './proxy-tunnel.js'
import { queryStringFromDict, type QueryFields } from './query-string.js'
import { flattenHeaders, hasHeader, prepareBody, removeHeader, type HeadersInput, type PreparedBody, type RequestBodyInit } from './request-body.js'

/**
 * Timeouts in milliseconds (1 to 2^31−1, Node's timer range; anything else is a `RangeError`);
 * a number sets all three.
 *
 * @example
 * ```ts
 * await request(url, { timeout: { connect: 2000, headers: 5000, body: 10_000 } })
 * ```
 */
export interface Timeouts {
  /** Resolve + connect + TLS handshake (`PORTICO_ERR_CONNECT_TIMEOUT`). */
  connect?: number
  /** From sending the request to the response head (`PORTICO_ERR_HEADERS_TIMEOUT`). */
  headers?: number
  /** Longest pause between two pieces of the body (`PORTICO_ERR_BODY_TIMEOUT`). */
  body?: number
}

/**
 * Options of {@link request}.
 *
 * @example
 * ```ts
 * await request(url, { method: 'PUT', json: { a: 1 }, headers: { authorization: 'Bearer t' }, maxRedirects: 5, proxy: 'env' })
 * ```
 */
export interface RequestOptions {
  /** Default `GET`, or `POST` when a body or `json` is given. */
  method?: string | Method
  headers?: HeadersInput
  /** A string, bytes, form, or a stream (sent chunked unless a Content-Length header is given). */
  body?: RequestBodyInit
  /** A value sent as JSON (sets `Content-Type: application/json`). */
  json?: unknown
  /** Added to the URL's query string. */
  query?: QueryFields | URLSearchParams
  timeout?: number | Timeouts
  signal?: AbortSignal
  /** Redirects to follow (301, 302, 303, 307, 308). Default 0: redirects are returned as is. */
  maxRedirects?: number
  /** Decode gzip, deflate and br bodies (and send `Accept-Encoding`). Default `true`. */
  decompress?: boolean
  /**
   * Most bytes of body the client takes, failing the body with `PORTICO_ERR_RESPONSE_TOO_LARGE`
   * (and closing the connection) past it. It bounds what `bytes()`, `text()` and `json()` gather
   * (default {@link DEFAULT_MAX_BODY_SIZE}, 64 MiB; `Infinity` for no limit). A body read with
   * `for await` is paused while the reader is behind, so its memory stays bounded anyway; when
   * you set `maxBodySize` yourself it also bounds every decoded byte of a gzip, deflate or br
   * body read that way (a small compressed body can inflate a thousandfold).
   */
  maxBodySize?: number
  /** A proxy URL, `'env'` for `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`, or `false`/`null` for none. */
  proxy?: string | URL | 'env' | false | null
  /** The connection pool. Default: {@link globalAgent}. */
  agent?: Agent
}

/**
 * The pool {@link request} uses when none is given. Idle sockets do not keep the process alive.
 *
 * @example
 * ```ts
 * import { globalAgent } from 'portico/client'
 * await globalAgent.close()
 * ```
 */
export const globalAgent = new Agent()

/**
 * The default `maxBodySize` of {@link request}: 64 MiB.
 *
 * @example
 * ```ts
 * await request(url, { maxBodySize: 4 * DEFAULT_MAX_BODY_SIZE })
 * ```
 */
export const DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

/**
 * Sends a request and resolves with the response once its head has arrived; the body is read
 * from the response (`text()`, `json()`, `bytes()`, `for await`).
 *
 * @example
 * ```ts
 * const res = await request('http://127.0.0.1:8080/api/users', { query: { page: 2 }, timeout: 5000 })
 * const users = await res.json()
 * const created = await request('http://127.0.0.1:8080/api/users', { method: 'POST', json: { name: 'Ada' } })
 * ```
 */
export async function request(url: string | URL, options: RequestOptions = {}): Promise<ClientResponse> {
  let target = toUrl(url, options.query)
  const prepared = prepareBody(options.body, options.json)
  let body = prepared.body
  let method = (options.method === undefined
    ? (body.kind === 'none' ? 'GET' : 'POST')
    : methodName(options.method)).toUpperCase()
  validateMethod(method)
  const headers = flattenHeaders(options.headers)
  if (prepared.contentType !== undefined && !hasHeader(headers, 'content-type')) headers.push('content-type', prepared.contentType)
  const agent = options.agent ?? globalAgent
  const maxRedirects = options.maxRedirects ?? 0
  let redirects = 0
  for (;;) {
    const res = await send(agent, target, method, headers, body, options, redirects > 0)
    const status = res.status
    if (maxRedirects <= 0 || !(status === 301 || status === 302 || status === 303 || status === 307 || status === 308)) return res
    const location = res.headers.location
    if (location === undefined) return res
    if (redirects >= maxRedirects) {
      await res.body.dump()
      throw new PorticoError('PORTICO_ERR_TOO_MANY_REDIRECTS', `More than ${maxRedirects} redirects (last to ${location})`)
    }
    let next: URL
    try {
      next = new URL(location, target)
    } catch (err) {
      return res
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return res
    // RFC 9110 §15.4.4: 303 becomes GET; 301/302 after POST become GET too, as browsers do.
    const toGet = (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')
    if (!toGet && body.kind === 'stream') return res
    await res.body.dump()
    if (toGet) {
      method = 'GET'
      body = { kind: 'none' }
      for (const name of ['content-type', 'content-length', 'transfer-encoding']) removeHeader(headers, name)
    }
    if (next.origin !== target.origin) {
      for (const name of ['authorization', 'cookie', 'proxy-authorization', 'host']) removeHeader(headers, name)
    }
    redirects++
    target = next
  }
}

async function send(
  agent: Agent,
  url: URL,
  method: string,
  userHeaders: readonly string[],
  body: PreparedBody,
  options: RequestOptions,
  redirected: boolean,
): Promise<ClientResponse> {
  const secure = url.protocol === 'https:'
  const proxy = pickProxy(options.proxy, url)
  const absoluteForm = proxy !== null && !secure
  const requestTarget = absoluteForm ? url.origin + url.pathname + url.search : url.pathname + url.search
  const decompress = options.decompress ?? true

  const list: string[] = []
  if (!hasHeader(userHeaders, 'host')) list.push('host', url.host)
  for (let i = 0; i < userHeaders.length; i++) list.push(userHeaders[i])
  let chunked = false
  if (body.kind === 'bytes') {
    if (!hasHeader(userHeaders, 'content-length')) list.push('content-length', String(body.length))
  } else if (body.kind === 'stream') {
    if (!hasHeader(userHeaders, 'content-length') && !hasHeader(userHeaders, 'transfer-encoding')) {
      list.push('transfer-encoding', 'chunked')
      chunked = true
    }
  } else if (BODY_METHODS.has(method) && !hasHeader(userHeaders, 'content-length')) {
    list.push('content-length', '0')
  }
  if (decompress && !hasHeader(userHeaders, 'accept-encoding')) list.push('accept-encoding', 'gzip, deflate, br')
  if (absoluteForm) {
    const auth = proxyAuthorization(proxy)
    if (auth !== undefined && !hasHeader(userHeaders, 'proxy-authorization')) list.push('proxy-authorization', auth)
  }
  const head = writeRequestHead(method, requestTarget, list)

  const timeouts = normalizeTimeouts(options.timeout)
  const origin = { url, proxy, signal: options.signal, ...timeouts }
  const spec = {
    head,
    body,
    chunked,
    skipBody: method === 'HEAD',
    decompress,
    maxBodySize: options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE,
    limitDecodedStream: options.maxBodySize !== undefined,
    signal: options.signal,
    url: url.href,
    redirected,
  }
  const replayable = body.kind !== 'stream' && IDEMPOTENT.has(method)
  for (let attempt = 0; ; attempt++) {
    const conn = await agent.acquire(origin)
    try {
      return await runExchange(conn, spec)
    } catch (err) {
      if (!replayable || attempt >= agent.maxRetries || !isRetryable(err) || options.signal?.aborted === true) throw err
      agent.dropIdle(url, proxy)
    }
  }
}

function normalizeTimeouts(timeout: number | Timeouts | undefined): { connectTimeout?: number; headersTimeout?: number; bodyTimeout?: number } {
  if (timeout === undefined) return {}
  if (typeof timeout === 'number') {
    const ms = checkTimeout('timeout', timeout)
    return { connectTimeout: ms, headersTimeout: ms, bodyTimeout: ms }
  }
  return { connectTimeout: checkTimeout('timeout.connect', timeout.connect), headersTimeout: checkTimeout('timeout.headers', timeout.headers), bodyTimeout: checkTimeout('timeout.body', timeout.body) }
}

/** Node's timers hold at most 2^31−1 ms (about 24.8 days); beyond it they fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1

function checkTimeout<T extends number | undefined>(name: string, ms: T): T {
  if (ms !== undefined && !(typeof ms === 'number' && ms > 0 && ms <= MAX_TIMEOUT_MS)) {
    throw new RangeError(`${name} must be a number of ms from 1 to ${MAX_TIMEOUT_MS}; got ${String(ms)}`)
  }
  return ms
}

function pickProxy(option: RequestOptions['proxy'], url: URL): URL | null {
  if (option === undefined || option === null || option === false) return null
  return checkProxyUrl(option === 'env' ? proxyFromEnv(url) : option)
}

function toUrl(url: string | URL, query: QueryFields | URLSearchParams | undefined): URL {
  let parsed: URL
  try {
    parsed = typeof url === 'string' ? new URL(url) : new URL(url.href)
  } catch (err) {
    throw new PorticoError('PORTICO_ERR_INVALID_REQUEST_URL', `Invalid URL: ${String(url)}`, { cause: err })
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PorticoError('PORTICO_ERR_INVALID_REQUEST_URL', `Unsupported protocol ${parsed.protocol}`)
  }
  if (query !== undefined) {
    const extra = query instanceof URLSearchParams ? query.toString() : queryStringFromDict(query)
    if (extra !== '') parsed.search = parsed.search === '' ? '?' + extra : parsed.search + '&' + extra
  }
  return parsed
}
