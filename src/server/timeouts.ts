/**
 * The connection timeouts (`headersTimeout`, `requestTimeout`, `keepAliveTimeout`,
 * `idleTimeout`) without a timer per socket or per request: one unref'd interval per server
 * advances a coarse clock and sweeps the connections. The sweep runs at a quarter of the
 * smallest timeout (between 10 ms and 1 s), so a deadline is met within that much. The clock
 * is the server's (`Date.now()`, or the `getTimeS` option × 1000).
 * @module
 */
import type { ResolvedOptions } from './types.js'

/** Where a connection stands: reading a head, reading a body, answering, or idle. */
export type SweepState = 'head' | 'body' | 'busy' | 'idle'

/**
 * What the sweep needs from a connection (timestamps come from the server clock).
 *
 * @example
 * ```ts
 * checkConnection(connection, Date.now(), server.config) // a Connection is a SweptConnection
 * ```
 */
export interface SweptConnection {
  readonly sweepState: SweepState | undefined
  readonly headStart: number
  readonly idleSince: number
  readonly lastActivity: number
  timedOut(state: SweepState): void
}

/**
 * What the sweep needs from the server.
 *
 * @example
 * ```ts
 * startSweep(server, 1000) // the server is the SweepTarget
 * ```
 */
export interface SweepTarget {
  clock: number
  /** Reads the server's clock, in milliseconds. */
  readonly readClock: () => number
  readonly config: ResolvedOptions
  readonly connections: ReadonlySet<SweptConnection>
}

/**
 * Applies the timeouts to one connection: `idleTimeout` (no read nor write), `headersTimeout`
 * (from the first byte of a head), `requestTimeout` (from the head's start to the body's end),
 * `keepAliveTimeout` (nothing pending since the last answer).
 *
 * @example
 * ```ts
 * checkConnection(conn, Date.now(), server.config)
 * ```
 */
export function checkConnection(conn: SweptConnection, now: number, o: ResolvedOptions): void {
  const state = conn.sweepState
  if (state === undefined) return
  if (o.idleTimeout > 0 && now - conn.lastActivity > o.idleTimeout) conn.timedOut('busy')
  else if (state === 'body') {
    if (o.requestTimeout > 0 && now - conn.headStart > o.requestTimeout) conn.timedOut(state)
  } else if (state === 'head') {
    if (o.headersTimeout > 0 && now - conn.headStart > o.headersTimeout) conn.timedOut(state)
  } else if (state === 'idle' && o.keepAliveTimeout > 0 && now - conn.idleSince > o.keepAliveTimeout) {
    conn.timedOut(state)
  }
}

/**
 * The sweep period for a set of options, in milliseconds.
 *
 * @example
 * ```ts
 * sweepInterval(resolveOptions({ headersTimeout: 200 })) // 50
 * ```
 */
export function sweepInterval(o: ResolvedOptions): number {
  let min = Infinity
  for (const t of [o.headersTimeout, o.requestTimeout, o.keepAliveTimeout, o.idleTimeout]) if (t > 0 && t < min) min = t
  return Math.min(1000, Math.max(10, Math.floor(min / 4)))
}

/**
 * Starts the sweep; returns the function that stops it.
 *
 * @example
 * ```ts
 * const stop = startSweep(server, 250)
 * stop()
 * ```
 */
export function startSweep(target: SweepTarget, interval: number): () => void {
  const timer = setInterval(() => {
    const now = target.readClock()
    target.clock = now
    // stamps come from the same coarse clock, so they lag by up to one period: never fire early
    for (const conn of target.connections) checkConnection(conn, now - interval, target.config)
  }, interval)
  timer.unref()
  return () => clearInterval(timer)
}
