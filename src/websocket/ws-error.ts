/**
 * The error a WebSocket raises when the peer breaks the protocol: a {@link PorticoError} that
 * also names the close code to answer with (RFC 6455 §7.4.1).
 * @module
 */
import { PorticoError, type ErrorCode } from '../errors.js'

/**
 * A protocol failure with the close code the endpoint sends before failing the connection.
 *
 * @example
 * ```ts
 * ws.on('error', (err) => {
 *   if (err instanceof WebSocketError) console.log(err.code, err.closeCode) // 'PORTICO_ERR_WS_PROTOCOL' 1002
 * })
 * ```
 */
export class WebSocketError extends PorticoError {
  /** The close code sent to the peer (1002, 1007, 1009, …). */
  readonly closeCode: number

  constructor(code: ErrorCode, closeCode: number, message?: string, options: { cause?: unknown } = {}) {
    super(code, message, options)
    this.closeCode = closeCode
  }

  override get name(): string {
    return 'WebSocketError'
  }
}

/**
 * A 1002 protocol error with a precise message.
 *
 * @example
 * ```ts
 * throw protocolError('Fragmented control frame')
 * ```
 */
export function protocolError(message: string): WebSocketError {
  return new WebSocketError('PORTICO_ERR_WS_PROTOCOL', 1002, message)
}
