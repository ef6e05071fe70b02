/**
 * Detaching a socket from the engine for an upgrade (WebSocket, CONNECT): the engine's
 * listeners come off and the socket is left as a fresh one would be, so that its new owner
 * can use it as node:http's `'upgrade'` event gives it.
 * @module
 */
import type { Duplex } from 'node:stream'

/**
 * Removes `listeners` from `socket`; the socket is left not flowing and not explicitly
 * paused (attaching a `'data'` listener starts it), and a peer's FIN ends it again.
 *
 * @example
 * ```ts
 * handOver(socket, { data: onData, end: onEnd })
 * ```
 */
export function handOver(socket: Duplex, listeners: Record<string, (...args: any[]) => void>): void {
  for (const [event, listener] of Object.entries(listeners)) socket.removeListener(event, listener)
  // the engine reads half-open; a plain socket ends its side when the peer ends its own
  ;(socket as { allowHalfOpen?: boolean }).allowHalfOpen = false
  // node:http does the same before its 'upgrade' event: neither flowing nor paused
  ;(socket as { readableFlowing: boolean | null }).readableFlowing = null
}
