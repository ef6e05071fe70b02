/**
 * `HTTPClient`: the seed's low-level client (Godot's HTTPClient) in TypeScript. One connection
 * to one host, many requests on it, a {@link Status} state machine advanced by {@link poll}.
 * @module
 */
import { EventEmitter } from 'node:events'
import { isIP, type Socket } from 'node:net'
import { PorticoError } from '../errors.js'
import { methodName, type Method } from '../http1/method.js'
import { validateMethod } from '../http1/head-writer.js'
import { openConnection, type ConnectPhase, type LookupFn } from './connect.js'
import { ClientConnection } from './connection.js'
import { queryStringFromDict, type QueryFields } from './query-string.js'
import { Status } from './status.js'
import { TLSOptions } from './tls-options.js'
import {
  buildRequestHead, headerDictionary, headerLines, splitHeaderLines, statusForError, takeBody, type HostPort, type LiveResponse,
} from './http-client-support.js'

/** Where the client connects, and through which proxy (fixed at `connectToHost`). */
interface Target extends HostPort {
  tls: TLSOptions | null
  proxy: HostPort | null
}

/**
 * A low-level HTTP/1.1 client with the seed's API: {@link connectToHost}, {@link request} /
 * {@link requestRaw}, then {@link poll} until the {@link Status} says the response is there,
 * and {@link readResponseBodyChunk} while it is `BODY`. Status changes are also emitted as
 * `'status'` events (`(status, previous)`) as they happen, before `poll` reports them.
 *
 * @example
 * ```ts
 * const client = new HTTPClient()
 * client.connectToHost('127.0.0.1', 8080)
 * while ([Status.RESOLVING, Status.CONNECTING].includes(client.getStatus())) await client.pollAsync()
 * client.request(Method.GET, '/index.html', ['Accept: text/html'])
 * while (client.getStatus() === Status.REQUESTING) await client.pollAsync()
 * const parts: Buffer[] = []
 * while (client.getStatus() === Status.BODY) { parts.push(client.readResponseBodyChunk()); await client.pollAsync() }
 * client.close()
 * ```
 */
export class HTTPClient extends EventEmitter {
  /** When `true`, the body is reported only once it has fully arrived, and read in one piece. */
  blockingMode = false
  /** The most bytes {@link readResponseBodyChunk} returns at once. Default 65536. */
  readChunkSize = 65536
  /**
   * The error behind the last `CANT_*`, `TLS_HANDSHAKE_ERROR` or `CONNECTION_ERROR` status;
   * `null` again after {@link connectToHost}, a new `connection`, or a response head.
   */
  lastError: Error | null = null

  private status = Status.DISCONNECTED
  private live = Status.DISCONNECTED
  private conn: ClientConnection | null = null
  private target: Target | null = null
  private httpProxy: HostPort | null = null
  private httpsProxy: HostPort | null = null
  private response: LiveResponse | null = null
  private visibleResponse: LiveResponse | null = null
  private generation = 0
  private changes = 0
  private seen = 0
  private wakers: (() => void)[] = []
  private readonly lookup: LookupFn | undefined

  /** `lookup` replaces `dns.lookup` for host names (tests, custom resolvers). */
  constructor(options: { lookup?: LookupFn } = {}) {
    super()
    this.lookup = options.lookup
  }

  /** Seed accessor of {@link blockingMode}. */
  setBlockingMode(enabled: boolean): void {
    this.blockingMode = enabled
  }

  /** Seed accessor of {@link blockingMode}. */
  isBlockingModeEnabled(): boolean {
    return this.blockingMode
  }

  /** Seed accessor of {@link readChunkSize}. */
  setReadChunkSize(size: number): void {
    if (!Number.isInteger(size) || size < 256 || size > 16 * 1024 * 1024) throw new RangeError('readChunkSize must be 256..16 MiB')
    this.readChunkSize = size
  }

  /** Seed accessor of {@link readChunkSize}. */
  getReadChunkSize(): number {
    return this.readChunkSize
  }

  /**
   * The socket in use (the seed's `connection`), or `null`. Setting a connected socket makes
   * the client use it as is (status `CONNECTED`).
   *
   * After a `101 Switching Protocols`, or a 2xx answer to `CONNECT`, the client stops reading
   * the socket and it is the caller's: the bytes the server sent right after the head (a first
   * WebSocket frame, a banner through a tunnel) wait at the front of its buffer, the socket
   * neither flowing nor paused, so a reader that comes later still gets every byte. The client
   * keeps closing it on {@link close} (or on the next {@link request}, which opens a new one).
   *
   * @example
   * ```ts
   * client.request(Method.GET, '/chat', ['Upgrade: websocket', 'Connection: Upgrade', …])
   * while (client.getStatus() === Status.REQUESTING) await client.pollAsync()
   * if (client.getResponseCode() === 101) client.connection!.on('data', onFrameBytes)
   * ```
   */
  get connection(): Socket | null {
    return this.conn?.socket ?? null
  }

  set connection(socket: Socket | null) {
    this.close()
    this.lastError = null
    if (socket === null) return
    this.target ??= { host: socket.remoteAddress ?? 'localhost', port: socket.remotePort ?? 80, tls: null, proxy: null }
    this.attach(socket)
    this.setLive(Status.CONNECTED)
    this.status = Status.CONNECTED
  }

  /**
   * Connects to a host; `port` −1 means 80, or 443 with TLS. TLS is used when `tlsOptions` is
   * given or `host` starts with `https://`. The status becomes `RESOLVING` (or `CONNECTING` for
   * an IP address) at once; {@link poll} reports the rest.
   *
   * @example
   * ```ts
   * client.connectToHost('example.com', -1, TLSOptions.client())
   * ```
   */
  connectToHost(host: string, port = -1, tlsOptions: TLSOptions | null = null): void {
    this.close()
    this.lastError = null
    let name = host
    let tls = tlsOptions
    if (name.startsWith('https://')) {
      name = name.slice(8)
      tls ??= TLSOptions.client()
    } else if (name.startsWith('http://')) {
      name = name.slice(7)
    }
    if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1)
    if (name === '' || /[\s/]/.test(name)) throw new PorticoError('PORTICO_ERR_INVALID_REQUEST_URL', `Invalid host ${JSON.stringify(host)}`)
    if (port !== -1 && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new RangeError(`Invalid port ${port}`)
    const proxy = tls !== null ? this.httpsProxy : this.httpProxy
    this.target = { host: name, port: port === -1 ? (tls !== null ? 443 : 80) : port, tls, proxy }
    const first = isIP(proxy?.host ?? name) !== 0 ? Status.CONNECTING : Status.RESOLVING
    this.setLive(first)
    this.status = first
    this.open(this.generation)
  }

  /** Applies the status changes that happened since the last call, and returns the status. */
  poll(): Status {
    this.seen = this.changes
    const r = this.response
    if (this.live === Status.BODY && r !== null && r.complete && r.size === 0) this.setLive(Status.CONNECTED)
    this.status = this.live
    if (this.live === Status.BODY || (this.live === Status.CONNECTED && r !== null)) this.visibleResponse = r
    return this.status
  }

  /**
   * The awaitable form of {@link poll}: waits until something changed (status, body bytes),
   * then polls. Resolves at once when nothing is in progress or body bytes wait to be read.
   */
  pollAsync(): Promise<Status> {
    const unread = this.live === Status.BODY && this.response !== null && this.response.size > 0 && !this.blockingMode
    if (this.changes !== this.seen || unread || !this.inProgress()) return Promise.resolve(this.poll())
    return new Promise((resolve) => {
      this.wakers.push(() => resolve(this.poll()))
    })
  }

  /** The status as of the last {@link poll}. */
  getStatus(): Status {
    return this.status
  }

  /** Whether a response (head) is available. */
  hasResponse(): boolean {
    return this.visibleResponse !== null
  }

  /** The response status code, or 0 without a response. */
  getResponseCode(): number {
    return this.visibleResponse?.head.statusCode ?? 0
  }

  /** The response headers as `"Name: value"` strings, in wire order. */
  getResponseHeaders(): string[] {
    return headerLines(this.visibleResponse?.head.rawHeaders ?? [])
  }

  /**
   * The response headers as `{ "Name": "value1; value2" }`: names and values as the server sent
   * them, a repeated field's values joined with `"; "`, as the seed says.
   */
  getResponseHeadersAsDictionary(): Record<string, string> {
    return headerDictionary(this.visibleResponse?.head.rawHeaders ?? [])
  }

  /** The `Content-Length` of the response, or −1 when chunked or unknown. */
  getResponseBodyLength(): number {
    const head = this.visibleResponse?.head
    if (head === undefined || head.chunked) return -1
    return head.contentLength
  }

  /** Whether the response body uses chunked transfer coding. */
  isResponseChunked(): boolean {
    return this.visibleResponse?.head.chunked ?? false
  }

  /**
   * The next piece of the body (at most {@link readChunkSize} bytes; the whole body in
   * {@link blockingMode}); empty when nothing new has arrived. The status turns `CONNECTED`
   * once the whole body has been read.
   */
  readResponseBodyChunk(): Buffer {
    const r = this.visibleResponse
    if (r === null || r.size === 0) return Buffer.alloc(0)
    const out = takeBody(r, this.blockingMode ? Infinity : this.readChunkSize)
    if (r.size < 4 * this.readChunkSize && this.conn?.isPaused === true) this.conn.resume()
    if (r.complete && r.size === 0 && this.live === Status.BODY) {
      this.setLive(Status.CONNECTED)
      this.status = Status.CONNECTED
    }
    return out
  }

  /**
   * Sends a request with a text body (UTF-8). `url` is the path (`/index.php`), an absolute
   * URL for proxies, `*` for OPTIONS, or `host:port` for CONNECT. The body of a GET is ignored.
   * `Host`, `User-Agent`, `Accept` and `Content-Length` are added when missing.
   *
   * @example
   * ```ts
   * const body = client.queryStringFromDict({ username: 'user', password: 'pass' })
   * client.request(Method.POST, '/index.php', ['Content-Type: application/x-www-form-urlencoded'], body)
   * ```
   */
  request(method: Method | string, url: string, headers: readonly string[] = [], body = ''): void {
    this.requestRaw(method, url, headers, Buffer.from(body, 'utf8'))
  }

  /**
   * Sends a request with a binary body, sent as is.
   *
   * @example
   * ```ts
   * client.requestRaw(Method.PUT, '/blob', ['Content-Type: application/octet-stream'], bytes)
   * ```
   */
  requestRaw(method: Method | string, url: string, headers: readonly string[], body: Uint8Array): void {
    if (this.status !== Status.CONNECTED || this.target === null) {
      throw new PorticoError('PORTICO_ERR_CLIENT_STATE', `request() needs status CONNECTED, not ${Status[this.status]}`)
    }
    const name = methodName(method).toUpperCase()
    validateMethod(name)
    if (url === '' || /[\s\x00-\x1f\x7f]/.test(url)) throw new PorticoError('PORTICO_ERR_INVALID_REQUEST_URL', `Invalid request target ${JSON.stringify(url)}`)
    const payload = name === 'GET' ? new Uint8Array(0) : body
    const target = this.target
    const absolute = target.tls === null && target.proxy !== null
    const head = buildRequestHead(target.host, target.port, target.tls !== null, absolute, name, url, splitHeaderLines(headers), payload)
    this.response = null
    this.visibleResponse = null
    this.setLive(Status.REQUESTING)
    this.status = Status.REQUESTING
    const gen = this.generation
    const send = (): void => this.send(gen, head, payload, name === 'HEAD' ? true : name === 'CONNECT' ? 'connect' : false)
    if (this.conn !== null && !this.conn.closed) {
      send()
      return
    }
    // The server closed the keep-alive connection: open a new one transparently.
    this.reopen(gen).then(send, (err: Error) => {
      if (gen === this.generation) this.failWith(err)
    })
  }

  /**
   * Sets the proxy for plain HTTP (requests in absolute form). Empty `host` or `port` −1 unsets.
   * Takes effect at the next {@link connectToHost}.
   */
  setHttpProxy(host: string, port: number): void {
    this.httpProxy = host === '' || port === -1 ? null : { host, port }
  }

  /**
   * Sets the proxy for HTTPS (a `CONNECT` tunnel). Empty `host` or `port` −1 unsets. Takes
   * effect at the next {@link connectToHost}.
   */
  setHttpsProxy(host: string, port: number): void {
    this.httpsProxy = host === '' || port === -1 ? null : { host, port }
  }

  /**
   * The seed's `query_string_from_dict`: see {@link queryStringFromDict}.
   *
   * @example
   * ```ts
   * client.queryStringFromDict({ single: 123, not_valued: null, multiple: [22, 33, 44] })
   * // 'single=123&not_valued&multiple=22&multiple=33&multiple=44'
   * ```
   */
  queryStringFromDict(fields: QueryFields): string {
    return queryStringFromDict(fields)
  }

  /** Closes the connection (the client can connect again). Status becomes `DISCONNECTED`. */
  close(): void {
    this.generation++
    this.conn?.destroy()
    this.conn = null
    this.response = null
    this.visibleResponse = null
    this.setLive(Status.DISCONNECTED)
    this.status = Status.DISCONNECTED
  }

  private open(gen: number): void {
    this.reopen(gen).then(
      () => {
        if (gen === this.generation) this.setLive(Status.CONNECTED)
      },
      (err: Error) => {
        if (gen === this.generation) this.failWith(err)
      },
    )
  }

  private async reopen(gen: number): Promise<void> {
    const target = this.target as Target
    const proxy = target.proxy
    const onPhase = (phase: ConnectPhase): void => {
      if (gen !== this.generation || this.live === Status.REQUESTING) return
      if (phase === 'resolving') this.setLive(Status.RESOLVING)
      else if (phase === 'connecting') this.setLive(Status.CONNECTING)
    }
    const socket = await openConnection(
      { host: target.host, port: target.port, tls: target.tls ?? false },
      { proxy: proxy === null ? null : `http://${proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host}:${proxy.port}`, onPhase, lookup: this.lookup },
    )
    if (gen !== this.generation) {
      socket.destroy()
      throw new PorticoError('PORTICO_ERR_CLIENT_STATE', 'Closed while connecting')
    }
    this.attach(socket)
  }

  private attach(socket: Socket): void {
    // The previous connection (closed by the server, or a socket left after a 101 or a CONNECT
    // tunnel) is replaced: make sure its socket is gone.
    this.conn?.destroy()
    this.conn = new ClientConnection(socket)
  }

  private send(gen: number, head: string, body: Uint8Array, skipBody: boolean | 'connect'): void {
    if (gen !== this.generation || this.conn === null) return
    const conn = this.conn
    conn.dispatch(head, body.length > 0 ? body : null, {
      onHead: (h) => {
        if (gen !== this.generation) return
        this.lastError = null
        this.response = { head: h, chunks: [], size: 0, complete: false }
        const bodyless = skipBody === true || h.statusCode === 204 || h.statusCode === 304 || (h.contentLength === 0 && !h.chunked)
        if (!this.blockingMode && !bodyless) this.setLive(Status.BODY)
      },
      onData: (chunk) => {
        const r = this.response
        if (gen !== this.generation || r === null) return
        r.chunks.push(chunk)
        r.size += chunk.length
        if (!this.blockingMode && r.size > 4 * this.readChunkSize) conn.pause()
        this.changed()
      },
      onEnd: () => {
        const r = this.response
        if (gen !== this.generation || r === null) return
        r.complete = true
        if (r.size === 0) this.setLive(Status.CONNECTED)
        else if (this.blockingMode) this.setLive(Status.BODY)
        this.changed()
      },
      onError: (err) => {
        if (gen === this.generation) this.failWith(err)
      },
    }, skipBody)
  }

  private failWith(err: Error): void {
    this.lastError = err
    this.conn?.destroy()
    this.conn = null
    this.setLive(statusForError(err))
  }

  private inProgress(): boolean {
    const s = this.live
    if (s === Status.RESOLVING || s === Status.CONNECTING || s === Status.REQUESTING) return true
    return s === Status.BODY && this.response !== null && !this.response.complete
  }

  private setLive(next: Status): void {
    const prev = this.live
    if (prev === next) return
    this.live = next
    this.emit('status', next, prev)
    this.changed()
  }

  private changed(): void {
    this.changes++
    // Wake awaiting pollers after the current socket event is fully parsed, not mid-chunk.
    if (this.wakers.length > 0) {
      const wakers = this.wakers.splice(0)
      queueMicrotask(() => {
        for (const wake of wakers) wake()
      })
    }
  }
}
