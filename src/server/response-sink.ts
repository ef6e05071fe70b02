/**
 * `ResponseSink`: what a response needs from the connection that carries it (the
 * connection implements it; `inject` runs the same connection over an in-memory stream).
 * @module
 */
import type { Duplex } from 'node:stream'
import type { PorticoResponse } from './response.js'

/**
 * What a response needs from the connection that carries it (see `connection.ts`).
 *
 * @example
 * ```ts
 * res.sink.write(res, 'bytes', 'latin1') // what ResponseStream does
 * ```
 */
export interface ResponseSink {
  readonly socket: Duplex | undefined
  /** Writes bytes of `res`, in request order (buffered while older responses are pending). */
  write(res: PorticoResponse, data: string | Uint8Array, encoding: BufferEncoding): boolean
  /** `res` is complete. */
  finish(res: PorticoResponse): void
  /** Whether the connection may stay open after this response. */
  canKeepAlive(res: PorticoResponse): boolean
  /** Resolves once `res` is the oldest pending response (its bytes go straight out). */
  whenCurrent(res: PorticoResponse): Promise<void>
  /** Hands the socket over (see `res.upgrade`). */
  upgrade(res: PorticoResponse): { socket: Duplex; head: Buffer }
  /** Bytes queued for `res` and not yet sent. */
  pendingBytes(res: PorticoResponse): number
  /** Closes the connection at once. */
  destroy(): void
}
