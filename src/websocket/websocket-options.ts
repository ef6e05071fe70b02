/**
 * The options of a {@link WebSocket} and the shape of its messages and events.
 * @module
 */
import type { DeflateParams, PerMessageDeflateOptions } from './deflate-negotiation.js'

/** A received message: a string for text, a Buffer for binary. */
export type WebSocketMessage = string | Buffer

/** What `send` accepts: text, or bytes. */
export type WebSocketData = string | Uint8Array | ArrayBuffer | DataView

/** What to do when `bufferedAmount` would pass `highWaterMark` (a peer that reads too slowly). */
export type SlowConsumerPolicy = 'close' | 'drop'

/**
 * Settings shared by the server and client sides.
 *
 * @example
 * ```ts
 * const behaviour: WebSocketBehaviour = { maxPayload: 1 << 20, heartbeat: 30_000, highWaterMark: 1 << 20, slowConsumer: 'drop' }
 * ```
 */
export interface WebSocketBehaviour {
  /** Largest frame payload and largest message (after inflation), bytes. Default 16 MiB → 1009. */
  maxPayload?: number
  /** Milliseconds to wait for the closing handshake before dropping the socket. Default 5000. */
  closeTimeout?: number
  /** Ping every this many ms; a peer that sent nothing since the last ping is dropped. Off by default. */
  heartbeat?: number
  /** `bufferedAmount` limit in bytes. Default 16 MiB. */
  highWaterMark?: number
  /** Past `highWaterMark`: close with 1008 (default) or drop the message (its `send` rejects). */
  slowConsumer?: SlowConsumerPolicy
  /** Received messages held for `receive()` before reading pauses (TCP backpressure). Default 1 MiB. */
  receiveHighWaterMark?: number
  /** Split outgoing messages into frames of at most this many bytes. Default: one frame per message. */
  fragmentSize?: number
}

/** How a {@link WebSocket} is built over an already upgraded socket. */
export interface WebSocketOptions extends WebSocketBehaviour {
  /** `'server'`: expects masked frames; `'client'`: masks its own. */
  role: 'server' | 'client'
  /** Bytes already read after the handshake (they are WebSocket frames). */
  head?: Buffer
  /** The selected subprotocol (`''` when none). */
  protocol?: string
  /** The negotiated `Sec-WebSocket-Extensions` value (`''` when none). */
  extensions?: string
  /** The negotiated permessage-deflate parameters, when it was agreed. */
  deflate?: DeflateParams
  /** Compression settings (threshold, level) when `deflate` is set. */
  perMessageDeflate?: PerMessageDeflateOptions
}

/**
 * Options of one `send`.
 *
 * @example
 * ```ts
 * await ws.send(JSON.stringify(state), { compress: false })
 * ```
 */
export interface SendOptions {
  /** Send a string as a binary message, or bytes as text (they must be UTF-8). */
  binary?: boolean
  /** Compress when permessage-deflate was negotiated (default true; below the threshold never). */
  compress?: boolean
}

/**
 * The bytes of a message to send.
 *
 * @example
 * ```ts
 * toBuffer('hé') // <Buffer 68 c3 a9>
 * ```
 */
export function toBuffer(data: WebSocketData): Buffer {
  if (typeof data === 'string') return Buffer.from(data)
  if (Buffer.isBuffer(data)) return data
  if (data instanceof ArrayBuffer) return Buffer.from(data)
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/** The events of a WebSocket and their listeners' arguments. */
export interface WebSocketEvents {
  /** A complete message: a string for text, a Buffer for binary. */
  message: (data: WebSocketMessage, isBinary: boolean) => void
  /** A ping arrived (the pong is sent automatically). */
  ping: (data: Buffer) => void
  /** A pong arrived. */
  pong: (data: Buffer) => void
  /** The connection is closed: the peer's code (1005 none, 1006 no closing handshake) and reason. */
  close: (code: number, reason: string) => void
  /** A protocol error of the peer, a socket error, or a heartbeat timeout. */
  error: (error: Error) => void
}
