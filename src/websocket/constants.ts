/**
 * RFC 6455 constants: opcodes (§5.2, §11.8), the handshake GUID (§1.3), close codes (§7.4.1)
 * and the `readyState` values.
 * @module
 */

/**
 * The GUID appended to `Sec-WebSocket-Key` to compute `Sec-WebSocket-Accept` (RFC 6455 §1.3).
 *
 * @example
 * ```ts
 * createHash('sha1').update(key + WS_GUID).digest('base64')
 * ```
 */
export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/**
 * Frame opcodes (RFC 6455 §5.2). 0x3–0x7 and 0xB–0xF are reserved.
 *
 * @example
 * ```ts
 * if (frame.opcode === Opcode.Ping) answerPong(frame.payload)
 * ```
 */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const

/** One of the {@link Opcode} values. */
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode]

/**
 * Close status codes (RFC 6455 §7.4.1, and the IANA registry for 1012–1014).
 *
 * @example
 * ```ts
 * ws.close(CloseCode.GoingAway, 'server restart')
 * ```
 */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatus: 1005,
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
} as const

/**
 * The `readyState` values, as in the WHATWG `WebSocket` interface.
 *
 * @example
 * ```ts
 * if (ws.readyState === ReadyState.Open) await ws.send('hi')
 * ```
 */
export const ReadyState = {
  Connecting: 0,
  Open: 1,
  Closing: 2,
  Closed: 3,
} as const

/** One of the {@link ReadyState} values. */
export type ReadyStateValue = (typeof ReadyState)[keyof typeof ReadyState]

/**
 * The default `maxPayload`: 16 MiB, per frame and per message.
 *
 * @example
 * ```ts
 * server.ws('/upload', handler, { maxPayload: 4 * DEFAULT_MAX_PAYLOAD })
 * ```
 */
export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024

/** The deflate trailer a sender strips from each compressed message (RFC 7692 §7.2.1). */
export const DEFLATE_TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff])
