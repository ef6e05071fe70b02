/**
 * The SSE state one server keeps in `server.extensions`: its registry of connections, the
 * default connection options, and the stop hook that closes every stream.
 * @module
 */
import type { Server } from '../server/server.js'
import { SseRegistry } from './sse-registry.js'
import type { SseConnectionOptions } from './transport.js'

/**
 * Server-wide SSE settings (`server.configureSse`).
 *
 * @example
 * ```ts
 * server.configureSse({ heartbeatMs: 20_000, slowConsumer: 'drop', stopRetryMs: 2000 })
 * ```
 */
export interface SseServerOptions extends SseConnectionOptions {
  /** The `retry:` sent to every client by a graceful `stop()`, in ms. Default 5000. */
  stopRetryMs?: number
}

/**
 * What a server keeps for SSE.
 *
 * @example
 * ```ts
 * const { registry, defaults } = sseState(server)
 * ```
 */
export interface SseServerState {
  readonly registry: SseRegistry
  defaults: SseConnectionOptions
  stopRetryMs: number
}

const KEY = Symbol.for('portico.sse')

/**
 * The SSE state of `server`, made on first use (which also registers the stop hook).
 *
 * @example
 * ```ts
 * sseState(server).registry.broadcast('news', '', 'hello')
 * ```
 */
export function sseState(server: Server): SseServerState {
  const existing = server.extensions.get(KEY) as SseServerState | undefined
  if (existing !== undefined) return existing
  const emit = (event: string, ...args: unknown[]): void => {
    try {
      server.emit(event, ...args)
    } catch (err) {
      server.emitError(`A ${event} listener failed`, err)
    }
  }
  const state: SseServerState = {
    registry: new SseRegistry({
      onOpen: (conn) => emit('sseConnectionOpened', conn.connectionId, conn.path, conn.headers),
      onClose: (conn) => emit('sseConnectionClosed', conn.connectionId),
    }),
    defaults: {},
    stopRetryMs: 5000,
  }
  server.extensions.set(KEY, state)
  server.onStop((graceful) => {
    state.registry.closeAll(graceful ? { retryMs: state.stopRetryMs } : {})
  })
  return state
}
