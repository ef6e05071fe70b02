/**
 * Detaching a socket from the engine for an upgrade (WebSocket, CONNECT): the engine's
 * listeners come off and the socket is left as a fresh one would be, so that its new owner
 * can use it as node:http's `'upgrade'` event gives it. One guard stays: until the new owner
 * listens for `'error'` itself, an error (a peer's reset) destroys the socket quietly instead
 * of being thrown as an unhandled `'error'` event that would end the process.
 * @module
 */
import type { Duplex } from 'node:stream'

/**
 * Removes `listeners` from `socket`; the socket is left not flowing and not explicitly
 * paused (attaching a `'data'` listener starts it), and a peer's FIN ends it again. An
 * `'error'` listener that destroys the socket stays until another `'error'` listener is added.
 *
 * @example
 * ```ts
 * handOver(socket, { data: onData, end: onEnd })
 * ```
 */
export function handOver(socket: Duplex, listeners: Record<string, (...args: any[]) => void>): void {
  for (const [event, listener] of Object.entries(listeners)) socket.removeListener(event, listener)
  guardErrors(socket)
  // the engine reads half-open; a plain socket ends its side when the peer ends its own
  ;(socket as { allowHalfOpen?: boolean }).allowHalfOpen = false
  // node:http does the same before its 'upgrade' event: neither flowing nor paused
  ;(socket as { readableFlowing: boolean | null }).readableFlowing = null
}

/**
 * Destroys `socket` on `'error'` and drops the error, until the owner adds an `'error'`
 * listener of its own (then the guard comes off, and errors are the owner's).
 *
 * @example
 * ```ts
 * guardErrors(socket); socket.on('error', onError) // the guard is gone
 * ```
 */
export function guardErrors(socket: Duplex): void {
  const guard = (): void => {
    socket.destroy()
  }
  const watch = (event: string | symbol, listener: unknown): void => {
    if (event !== 'error' || listener === guard) return
    socket.removeListener('error', guard)
    socket.removeListener('newListener', watch)
  }
  socket.on('error', guard)
  socket.on('newListener', watch)
}
