/**
 * `server.stop()`: stop accepting, run the upper layers' stop hooks, close idle keep-alive
 * connections at once, let in-flight requests finish (their answers carry
 * `Connection: close`), and force-close what is left at the deadline.
 * @module
 */
import type net from 'node:net'
import type { Server } from './server.js'

/**
 * Options of `server.stop()`.
 *
 * @example
 * ```ts
 * await server.stop({ graceful: true, timeout: 5000 })
 * ```
 */
export interface StopOptions {
  /** Let in-flight requests finish (default true); false closes every socket at once. */
  graceful?: boolean
  /** Milliseconds before the remaining sockets are closed by force (default 10 000). */
  timeout?: number
}

/**
 * Runs the stop sequence of `server`; resolves when every connection is gone.
 *
 * @example
 * ```ts
 * await stopServer(server, listener, true, onSocket, hooks, { timeout: 1000 })
 * ```
 */
export async function stopServer(
  server: Server,
  listener: net.Server | undefined,
  owned: boolean,
  onSocket: (socket: net.Socket) => void,
  hooks: readonly ((graceful: boolean) => Promise<void> | void)[],
  options: StopOptions,
): Promise<void> {
  const graceful = options.graceful ?? true
  const timeout = options.timeout ?? 10_000
  const deadline = Date.now() + timeout
  let listenerClosed: Promise<void> = Promise.resolve()
  if (listener !== undefined) {
    if (owned) listenerClosed = new Promise((resolve) => listener.close(() => resolve()))
    else {
      listener.removeListener('connection', onSocket)
      listener.removeListener('secureConnection', onSocket)
    }
  }
  for (const hook of hooks) {
    try {
      await hook(graceful)
    } catch (err) {
      server.emitError('A stop hook failed', err)
    }
  }
  for (const conn of [...server.connections]) {
    if (graceful) conn.shutdown()
    else conn.destroy()
  }
  const remaining = Math.max(0, deadline - Date.now())
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), remaining)))
  const outcome = await Promise.race([server.whenDrained().then(() => 'drained' as const), expired])
  if (outcome === 'expired') for (const conn of [...server.connections]) conn.destroy()
  await server.whenDrained()
  await Promise.race([listenerClosed, expired])
  clearTimeout(timer)
}
