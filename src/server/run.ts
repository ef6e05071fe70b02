/**
 * `server.run()`: tiny_httpd's main loop as a promise. It listens on the `sock` or the
 * `addr`:`port` given to `createServer`, and settles when the server stops: `{ ok: true }`
 * after `stop()`, `{ ok: false, error }` when listening fails or the listener dies.
 * @module
 */
import type net from 'node:net'
import type { ListenTarget } from './listen.js'
import type { Server } from './server.js'
import type { ServerSocket } from './types.js'

/**
 * How `run()` ended: stopped by `stop()`, or failed (listening refused, the listener failed,
 * `afterInit` threw).
 *
 * @example
 * ```ts
 * const result: RunResult = await server.run()
 * if (!result.ok) console.error('server died', result.error)
 * ```
 */
export type RunResult = { ok: true } | { ok: false; error: unknown }

/**
 * The `listen()` target of a `sock` option: a bare number is a file descriptor there.
 *
 * @example
 * ```ts
 * listenTargetOf(3) // { fd: 3 }
 * ```
 */
export function listenTargetOf(sock: ServerSocket): ListenTarget {
  return typeof sock === 'number' ? { fd: sock } : sock
}

/**
 * Runs `server` until it stops (see the module doc).
 *
 * @example
 * ```ts
 * const result = await runServer(server, () => console.log('listening on', server.port))
 * ```
 */
export async function runServer(server: Server, afterInit?: (server: Server) => void): Promise<RunResult> {
  const { sock, addr, port } = server.config
  try {
    if (sock !== undefined) await server.listen(listenTargetOf(sock))
    else await server.listen(port, addr)
  } catch (error) {
    return { ok: false, error }
  }
  const listener = server.netServer as net.Server
  let failure: { error: unknown } | undefined
  const fail = (error: unknown): void => {
    if (failure !== undefined) return
    failure = { error }
    void server.stop()
  }
  listener.on('error', fail)
  const stopped = server.whenStopped()
  try {
    afterInit?.(server)
  } catch (error) {
    fail(error)
  }
  await stopped
  listener.removeListener('error', fail)
  return failure === undefined ? { ok: true } : { ok: false, error: failure.error }
}
