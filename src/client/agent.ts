/**
 * The keep-alive pool behind {@link request}: connections per origin (scheme, host, port and
 * proxy), a per-origin cap, a global cap (so a burst cannot exhaust file descriptors), an idle
 * timeout, and one safe retry of idempotent requests that hit a stale keep-alive socket.
 * @module
 */
import { PorticoError } from '../errors.js'
import type { ParserLimits } from '../http1/types.js'
import { openConnection, resolveTarget, type LookupFn, type ResolvedTarget } from './connect.js'
import { ClientConnection } from './connection.js'
import type { TLSOptions } from './tls-options.js'

/**
 * Options of an {@link Agent}.
 *
 * @example
 * ```ts
 * new Agent({ maxSocketsPerOrigin: 4, maxSockets: 64, idleTimeout: 2000, tls: TLSOptions.client(caPem) })
 * ```
 */
export interface AgentOptions {
  /** Connections open at once to one origin. Default 32. */
  maxSocketsPerOrigin?: number
  /** Connections open at once in total, all origins together. Default 256. */
  maxSockets?: number
  /** Milliseconds an unused keep-alive connection stays open. Default 4000. */
  idleTimeout?: number
  /** Default connect timeout (ms). Default 10000. */
  connectTimeout?: number
  /** Default headers timeout (ms). Default 300000. */
  headersTimeout?: number
  /** Default body stall timeout (ms). Default 300000. */
  bodyTimeout?: number
  /** How to verify TLS servers. Default: Node's CAs, host name checked. */
  tls?: TLSOptions
  /** Retries of an idempotent request that failed on a stale keep-alive socket. Default 1. */
  maxRetries?: number
  /** Response parser limits. */
  limits?: Partial<ParserLimits>
  /** Host name resolution. Default `dns.lookup`. */
  lookup?: LookupFn
}

/** One origin's connections. */
interface Pool {
  readonly key: string
  readonly target: ResolvedTarget
  readonly proxy: URL | null
  readonly tunnel: boolean
  readonly idle: ClientConnection[]
  /** Open and opening connections. */
  size: number
  opening: number
  readonly waiters: Waiter[]
}

interface Waiter {
  resolve(conn: ClientConnection): void
  reject(err: Error): void
  connectTimeout: number
  done: boolean
}

/** What {@link Agent.acquire} needs to know about the origin. */
export interface OriginSpec {
  /** `http:` / `https:` URL of the origin (path ignored). */
  url: URL
  proxy: URL | null
  connectTimeout?: number
  headersTimeout?: number
  bodyTimeout?: number
  signal?: AbortSignal
}

/**
 * A pool of keep-alive connections. {@link request} uses a shared default one; give your own
 * for other limits or to close everything at once.
 *
 * @example
 * ```ts
 * const agent = new Agent({ maxSocketsPerOrigin: 8, maxSockets: 64, idleTimeout: 10_000 })
 * const res = await request('http://127.0.0.1:8080/', { agent })
 * await agent.close()
 * ```
 */
export class Agent {
  readonly maxSocketsPerOrigin: number
  readonly maxSockets: number
  readonly idleTimeout: number
  readonly connectTimeout: number
  readonly headersTimeout: number
  readonly bodyTimeout: number
  readonly maxRetries: number
  readonly tls: TLSOptions | undefined
  private readonly limits: Partial<ParserLimits> | undefined
  private readonly lookup: LookupFn | undefined
  private readonly pools = new Map<string, Pool>()
  private readonly blocked = new Set<Pool>()
  private readonly all = new Set<ClientConnection>()
  private total = 0
  private closing = false
  private closeWaiters: (() => void)[] = []

  constructor(options: AgentOptions = {}) {
    this.maxSocketsPerOrigin = options.maxSocketsPerOrigin ?? 32
    this.maxSockets = options.maxSockets ?? 256
    this.idleTimeout = options.idleTimeout ?? 4000
    this.connectTimeout = options.connectTimeout ?? 10_000
    this.headersTimeout = options.headersTimeout ?? 300_000
    this.bodyTimeout = options.bodyTimeout ?? 300_000
    this.maxRetries = options.maxRetries ?? 1
    this.tls = options.tls
    this.limits = options.limits
    this.lookup = options.lookup
  }

  /** Connections open (busy or idle) across all origins. */
  get connections(): number {
    return this.total
  }

  /** Idle connections across all origins. */
  get idleConnections(): number {
    let n = 0
    for (const pool of this.pools.values()) n += pool.idle.length
    return n
  }

  /** Requests waiting for a connection. */
  get pending(): number {
    let n = 0
    for (const pool of this.pools.values()) n += pool.waiters.length
    return n
  }

  /**
   * A connection to the origin of `spec.url`, reused when one is idle, opened when the caps
   * allow, otherwise the next one released. Rejects with `PORTICO_ERR_AGENT_CLOSED` after
   * {@link close}, and with `PORTICO_ERR_REQUEST_ABORTED` when `spec.signal` is (or becomes,
   * while waiting) aborted.
   *
   * @example
   * ```ts
   * const conn = await agent.acquire({ url: new URL('http://127.0.0.1:8080/'), proxy: null })
   * ```
   */
  acquire(spec: OriginSpec): Promise<ClientConnection> {
    if (this.closing) return Promise.reject(new PorticoError('PORTICO_ERR_AGENT_CLOSED'))
    if (spec.signal?.aborted === true) {
      return Promise.reject(new PorticoError('PORTICO_ERR_REQUEST_ABORTED', undefined, { cause: spec.signal.reason }))
    }
    const pool = this.poolFor(spec.url, spec.proxy)
    const headers = spec.headersTimeout ?? this.headersTimeout
    const body = spec.bodyTimeout ?? this.bodyTimeout
    const idle = this.popIdle(pool)
    if (idle !== null) {
      idle.socket.ref()
      idle.setTimeouts(headers, body, this.idleTimeout)
      return Promise.resolve(idle)
    }
    return new Promise<ClientConnection>((resolve, reject) => {
      const signal = spec.signal
      let onAbort: (() => void) | null = null
      const settle = (): void => {
        waiter.done = true
        if (onAbort !== null) signal?.removeEventListener('abort', onAbort)
      }
      const waiter: Waiter = {
        resolve: (conn) => {
          settle()
          conn.setTimeouts(headers, body, this.idleTimeout)
          resolve(conn)
        },
        reject: (err) => {
          settle()
          reject(err)
        },
        connectTimeout: spec.connectTimeout ?? this.connectTimeout,
        done: false,
      }
      if (signal !== undefined) {
        onAbort = (): void => {
          if (waiter.done) return
          const i = pool.waiters.indexOf(waiter)
          if (i !== -1) pool.waiters.splice(i, 1)
          waiter.reject(new PorticoError('PORTICO_ERR_REQUEST_ABORTED', undefined, { cause: signal.reason }))
        }
        signal.addEventListener('abort', onAbort, { once: true })
      }
      pool.waiters.push(waiter)
      this.pump(pool)
    })
  }

  /**
   * Closes the idle connections of an origin (after a stale-socket failure, the others are
   * likely stale too).
   *
   * @example
   * ```ts
   * agent.dropIdle(new URL('http://127.0.0.1:8080/'), null)
   * ```
   */
  dropIdle(url: URL, proxy: URL | null): void {
    const pool = this.pools.get(poolKey(url, proxy))
    if (pool === undefined) return
    for (const conn of pool.idle.splice(0)) this.evict(pool, conn)
  }

  /**
   * Stops taking requests, closes idle connections now and busy ones when their exchange ends;
   * resolves when every connection is closed.
   *
   * @example
   * ```ts
   * await agent.close()
   * ```
   */
  close(): Promise<void> {
    this.closing = true
    for (const pool of this.pools.values()) {
      for (const w of pool.waiters.splice(0)) w.reject(new PorticoError('PORTICO_ERR_AGENT_CLOSED'))
      for (const conn of pool.idle.splice(0)) conn.destroy()
    }
    if (this.all.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.closeWaiters.push(resolve))
  }

  /**
   * Closes every connection now, failing the exchanges in progress.
   *
   * @example
   * ```ts
   * agent.destroy()
   * ```
   */
  destroy(): void {
    void this.close()
    for (const conn of [...this.all]) conn.destroy(new PorticoError('PORTICO_ERR_AGENT_CLOSED'))
  }

  private poolFor(url: URL, proxy: URL | null): Pool {
    const key = poolKey(url, proxy)
    let pool = this.pools.get(key)
    if (pool === undefined) {
      pool = {
        key,
        target: resolveTarget(url, this.tls),
        proxy,
        tunnel: false,
        idle: [],
        size: 0,
        opening: 0,
        waiters: [],
      }
      this.pools.set(key, pool)
    }
    return pool
  }

  private popIdle(pool: Pool): ClientConnection | null {
    let conn = pool.idle.pop()
    while (conn !== undefined && (conn.closed || conn.busy)) conn = pool.idle.pop()
    return conn ?? null
  }

  private pump(pool: Pool): void {
    while (pool.waiters.length > 0) {
      const conn = this.popIdle(pool)
      if (conn === null) break
      conn.socket.ref()
      ;(pool.waiters.shift() as Waiter).resolve(conn)
    }
    while (pool.waiters.length > pool.opening && pool.size < this.maxSocketsPerOrigin) {
      if (this.total >= this.maxSockets && !this.evictOne(pool)) {
        this.blocked.add(pool)
        return
      }
      this.open(pool, pool.waiters[pool.opening].connectTimeout)
    }
  }

  private open(pool: Pool, connectTimeout: number): void {
    pool.size++
    pool.opening++
    this.total++
    openConnection(
      { host: pool.target.host, port: pool.target.port, tls: pool.target.tls ?? false },
      { proxy: pool.proxy, timeout: connectTimeout, lookup: this.lookup },
    ).then(
      (socket) => {
        pool.opening--
        const conn = new ClientConnection(socket, this.limits)
        this.all.add(conn)
        conn.onRelease = (c) => this.handOut(pool, c)
        conn.onClose = (c) => this.forget(pool, c)
        this.handOut(pool, conn)
      },
      (err: Error) => {
        pool.opening--
        pool.size--
        this.total--
        pool.waiters.shift()?.reject(err)
        this.pump(pool)
        this.unblock()
      },
    )
  }

  private handOut(pool: Pool, conn: ClientConnection): void {
    if (conn.closed) return
    const waiter = pool.waiters.shift()
    if (waiter !== undefined) {
      conn.socket.ref()
      waiter.resolve(conn)
      return
    }
    if (this.closing || this.blocked.size > 0) {
      conn.destroy()
      return
    }
    const hint = conn.serverIdleHint
    const idle = hint > 0 ? Math.max(1, Math.min(this.idleTimeout, hint - 500)) : this.idleTimeout
    conn.setTimeouts(this.headersTimeout, this.bodyTimeout, idle)
    conn.socket.unref()
    pool.idle.push(conn)
  }

  private forget(pool: Pool, conn: ClientConnection): void {
    if (!this.all.delete(conn)) return
    const i = pool.idle.indexOf(conn)
    if (i !== -1) pool.idle.splice(i, 1)
    pool.size--
    this.total--
    if (pool.size === 0 && pool.waiters.length === 0) this.pools.delete(pool.key)
    if (this.all.size === 0 && this.closeWaiters.length > 0) {
      for (const resolve of this.closeWaiters.splice(0)) resolve()
    }
    this.pump(pool)
    this.unblock()
  }

  private evict(pool: Pool, conn: ClientConnection): void {
    conn.onClose = null
    this.forget(pool, conn)
    conn.destroy()
  }

  /** Frees a slot under the global cap by closing an idle connection of another origin. */
  private evictOne(except: Pool): boolean {
    for (const pool of this.pools.values()) {
      if (pool === except || pool.idle.length === 0) continue
      const conn = pool.idle.shift() as ClientConnection
      this.evict(pool, conn)
      return true
    }
    return false
  }

  private unblock(): void {
    if (this.blocked.size === 0) return
    const pools = [...this.blocked]
    this.blocked.clear()
    for (const pool of pools) this.pump(pool)
  }
}

function poolKey(url: URL, proxy: URL | null): string {
  const key = url.protocol + '//' + url.host
  return proxy === null ? key : key + '|' + proxy.href
}
