/**
 * Opening a connection to an origin: DNS resolution, TCP connect, an optional proxy (`CONNECT`
 * tunnel for TLS targets) and the TLS handshake, each failure with its own error code. Used by
 * {@link HTTPClient}, the {@link Agent}, and the SSE and WebSocket clients.
 * @module
 */
import { lookup } from 'node:dns'
import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { PorticoError, type ErrorCode } from '../errors.js'
import { TLSOptions } from './tls-options.js'
import { checkProxyUrl, connectTunnel, proxyAuthorization } from './proxy-tunnel.js'

/**
 * Where to connect: a host and port, with TLS or not.
 *
 * @example
 * ```ts
 * await openConnection({ host: '127.0.0.1', port: 8443, tls: TLSOptions.client(caPem) })
 * ```
 */
export interface ConnectTarget {
  host: string
  /** Default 80, or 443 with TLS. */
  port?: number
  /** `true` (verify with Node's CAs) or the {@link TLSOptions} to use; falsy for plain TCP. */
  tls?: boolean | TLSOptions
}

/** The steps {@link openConnection} goes through, reported to `onPhase`. */
export type ConnectPhase = 'resolving' | 'connecting' | 'tunnel' | 'tls-handshake' | 'connected'

/**
 * Options of {@link openConnection}.
 *
 * @example
 * ```ts
 * await openConnection('wss://chat.example/ws', { proxy: 'http://proxy:3128', timeout: 5000, onPhase: console.log })
 * ```
 */
export interface ConnectOptions {
  /** TLS verification for TLS targets, when the target does not carry its own. */
  tls?: TLSOptions
  /**
   * An HTTP proxy (`http://[user:pass@]host:port`; `https://` proxies are refused with
   * `PORTICO_ERR_INVALID_REQUEST_URL`). TLS targets go through a `CONNECT` tunnel.
   */
  proxy?: string | URL | null
  /** Tunnel plain (non-TLS) targets through the proxy with `CONNECT` too (WebSocket, SSE). */
  tunnel?: boolean
  /** Milliseconds for the whole of resolve, connect, tunnel and handshake. Default: none. */
  timeout?: number
  /** Aborts the attempt (`PORTICO_ERR_REQUEST_ABORTED`). */
  signal?: AbortSignal
  /** Called as each step begins. */
  onPhase?: (phase: ConnectPhase) => void
  /** ALPN protocols offered over TLS. Default `['http/1.1']`. */
  alpn?: readonly string[]
  /** Host name resolution. Default `dns.lookup`. */
  lookup?: LookupFn
}

/** A `dns.lookup`-style resolver: calls back with one address. */
export type LookupFn = (hostname: string, callback: (err: NodeJS.ErrnoException | null, address: string) => void) => void

/** A normalized target: plain host (no brackets), port, TLS options or `null`. */
export interface ResolvedTarget {
  host: string
  port: number
  tls: TLSOptions | null
}

/**
 * Normalizes a URL (`http:`, `https:`, `ws:`, `wss:`) or a {@link ConnectTarget}.
 *
 * @example
 * ```ts
 * resolveTarget('https://[::1]:8443/x') // { host: '::1', port: 8443, tls: TLSOptions }
 * ```
 */
export function resolveTarget(target: string | URL | ConnectTarget, defaultTls?: TLSOptions): ResolvedTarget {
  if (typeof target === 'string' || target instanceof URL) {
    let url: URL
    try {
      url = typeof target === 'string' ? new URL(target) : target
    } catch (err) {
      throw new PorticoError('PORTICO_ERR_INVALID_REQUEST_URL', `Invalid URL: ${String(target)}`, { cause: err })
    }
    const secure = url.protocol === 'https:' || url.protocol === 'wss:'
    if (!secure && url.protocol !== 'http:' && url.protocol !== 'ws:') {
      throw new PorticoError('PORTICO_ERR_INVALID_REQUEST_URL', `Unsupported protocol ${url.protocol}`)
    }
    return {
      host: stripBrackets(url.hostname),
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      tls: secure ? defaultTls ?? TLSOptions.client() : null,
    }
  }
  const tls = target.tls instanceof TLSOptions ? target.tls : target.tls === true ? defaultTls ?? TLSOptions.client() : null
  return { host: stripBrackets(target.host), port: target.port ?? (tls !== null ? 443 : 80), tls }
}

/**
 * Opens a connection ready for HTTP/1.1 bytes: resolves the host (`PORTICO_ERR_CANT_RESOLVE`),
 * connects (`PORTICO_ERR_CANT_CONNECT`), tunnels through the proxy when one is given for a TLS
 * target (`PORTICO_ERR_PROXY_TUNNEL`), and completes the TLS handshake
 * (`PORTICO_ERR_TLS_HANDSHAKE`). Through a proxy without a tunnel, the socket leads to the
 * proxy and requests must use the absolute form.
 *
 * @example
 * ```ts
 * const socket = await openConnection('wss://chat.example.com/ws', { timeout: 5000 })
 * socket.write('GET /ws HTTP/1.1\r\nHost: chat.example.com\r\n…')
 * ```
 */
export async function openConnection(
  target: string | URL | ConnectTarget,
  options: ConnectOptions = {},
): Promise<Socket | TLSSocket> {
  const dest = resolveTarget(target, options.tls)
  const proxy = options.proxy === undefined || options.proxy === null ? null : checkProxyUrl(options.proxy)
  const hop = proxy === null
    ? { host: dest.host, port: dest.port }
    : { host: stripBrackets(proxy.hostname), port: proxy.port === '' ? 80 : Number(proxy.port) }

  let socket: Socket | undefined
  let timer: NodeJS.Timeout | undefined
  const signal = options.signal
  const work = (async (): Promise<Socket | TLSSocket> => {
    const address = await resolveHost(hop.host, options.onPhase, options.lookup)
    options.onPhase?.('connecting')
    socket = await connectTcp(address, hop.port)
    if (proxy !== null && (dest.tls !== null || options.tunnel === true)) {
      options.onPhase?.('tunnel')
      await connectTunnel(socket, dest.host, dest.port, proxyAuthorization(proxy))
    }
    if (dest.tls !== null) {
      options.onPhase?.('tls-handshake')
      const secure = await startTls(socket, dest.host, dest.tls, options.alpn)
      socket = secure
    }
    options.onPhase?.('connected')
    return socket
  })()

  const guards: Promise<never>[] = []
  if (options.timeout !== undefined && options.timeout > 0 && Number.isFinite(options.timeout)) {
    const ms = options.timeout
    guards.push(new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new PorticoError('PORTICO_ERR_CONNECT_TIMEOUT', `Connect timeout after ${ms} ms`)), ms)
    }))
  }
  let onAbort: (() => void) | undefined
  if (signal !== undefined) {
    if (signal.aborted) throw abortError(signal)
    guards.push(new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(abortError(signal))
      signal.addEventListener('abort', onAbort, { once: true })
    }))
  }
  try {
    return guards.length === 0 ? await work : await Promise.race([work, ...guards])
  } catch (err) {
    socket?.destroy()
    work.then((s) => s.destroy(), () => {})
    throw err
  } finally {
    if (timer !== undefined) clearTimeout(timer)
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
  }
}

/**
 * The address of `host` (itself when it is an IP literal), reporting `'resolving'` first.
 *
 * @example
 * ```ts
 * await resolveHost('localhost') // '127.0.0.1' or '::1'
 * ```
 */
export function resolveHost(host: string, onPhase?: (phase: ConnectPhase) => void, resolver: LookupFn = defaultLookup): Promise<string> {
  if (isIP(host) !== 0) return Promise.resolve(host)
  onPhase?.('resolving')
  return new Promise((resolve, reject) => {
    resolver(host, (err, address) => {
      if (err !== null) reject(clientError('PORTICO_ERR_CANT_RESOLVE', `Cannot resolve ${host}: ${err.code ?? err.message}`, err))
      else resolve(address)
    })
  })
}

/**
 * A connected TCP socket (no Nagle delay), or `PORTICO_ERR_CANT_CONNECT`.
 *
 * @example
 * ```ts
 * const socket = await connectTcp('127.0.0.1', 8080)
 * ```
 */
export function connectTcp(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: address, port, noDelay: true })
    const onError = (err: NodeJS.ErrnoException): void => {
      socket.destroy()
      reject(clientError('PORTICO_ERR_CANT_CONNECT', `Cannot connect to ${address}:${port}: ${err.code ?? err.message}`, err))
    }
    socket.once('error', onError)
    socket.once('connect', () => {
      socket.off('error', onError)
      resolve(socket)
    })
  })
}

/**
 * Runs the TLS handshake over a connected socket, or rejects with `PORTICO_ERR_TLS_HANDSHAKE`.
 *
 * @example
 * ```ts
 * const secure = await startTls(socket, 'example.com', TLSOptions.client())
 * ```
 */
export function startTls(socket: Socket, host: string, options: TLSOptions, alpn?: readonly string[]): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({ socket, ...options.toConnectionOptions(host, alpn) })
    const onError = (err: NodeJS.ErrnoException): void => {
      secure.destroy()
      socket.destroy()
      reject(clientError('PORTICO_ERR_TLS_HANDSHAKE', `TLS handshake with ${host} failed: ${err.code ?? err.message}`, err))
    }
    const onClose = (): void => onError(Object.assign(new Error('socket closed during the handshake'), { code: 'ECONNRESET' }))
    secure.once('error', onError)
    secure.once('close', onClose)
    secure.once('secureConnect', () => {
      secure.off('error', onError)
      secure.off('close', onClose)
      secure.setNoDelay(true)
      resolve(secure)
    })
  })
}

function defaultLookup(hostname: string, callback: (err: NodeJS.ErrnoException | null, address: string) => void): void {
  lookup(hostname, (err, address) => callback(err, address))
}

function clientError(code: ErrorCode, message: string, cause: unknown): PorticoError {
  return new PorticoError(code, message, { cause })
}

function abortError(signal: AbortSignal): PorticoError {
  return new PorticoError('PORTICO_ERR_REQUEST_ABORTED', undefined, { cause: signal.reason })
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}
