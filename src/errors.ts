/**
 * Portico's one error registry. Every error Portico raises is a {@link PorticoError} whose `code`
 * is one of the keys of {@link ERRORS}: stable strings that are never renamed nor reused, so
 * callers may switch on them. `status` is the HTTP status the error maps to, where one applies.
 *
 * `docs/errors.md` is generated from this table (`npm run docs:errors`) and a test keeps the
 * two in step. To add a code: add one line in its section, then regenerate the doc.
 *
 * @example
 * ```ts
 * import { PorticoError } from 'portico'
 * try { parser.execute(bytes) } catch (err) {
 *   if (err instanceof PorticoError && err.code === 'PORTICO_ERR_HEADERS_TOO_LARGE') answer(err.status)
 * }
 * ```
 * @module
 */

/** What the registry knows of one code: the HTTP status it maps to (if any) and a summary. */
export interface ErrorSpec {
  readonly status?: number
  readonly message: string
}

/**
 * Every error code Portico can raise, with its HTTP status and a one-line description.
 *
 * @example
 * ```ts
 * ERRORS.PORTICO_ERR_URI_TOO_LONG.status // 414
 * ```
 */
export const ERRORS = {
  // --- http1: the wire codec ---
  PORTICO_ERR_INVALID_METHOD: { status: 501, message: 'Invalid or unsupported request method' },
  PORTICO_ERR_INVALID_URL: { status: 400, message: 'Invalid request-target' },
  PORTICO_ERR_URI_TOO_LONG: { status: 414, message: 'Request-target longer than the limit' },
  PORTICO_ERR_INVALID_VERSION: { status: 400, message: 'Malformed HTTP version' },
  PORTICO_ERR_VERSION_NOT_SUPPORTED: { status: 505, message: 'HTTP version not supported' },
  PORTICO_ERR_INVALID_STATUS: { status: 502, message: 'Malformed response status line' },
  PORTICO_ERR_INVALID_HEADER_TOKEN: { status: 400, message: 'Invalid character in a header field name' },
  PORTICO_ERR_INVALID_HEADER_VALUE: { status: 400, message: 'Invalid character in a header field value' },
  PORTICO_ERR_OBS_FOLD: { status: 400, message: 'Obsolete line folding (obs-fold) is not accepted' },
  PORTICO_ERR_WHITESPACE_BEFORE_COLON: { status: 400, message: 'Whitespace between a header name and the colon' },
  PORTICO_ERR_BARE_CR: { status: 400, message: 'A CR not followed by LF' },
  PORTICO_ERR_LF_EXPECTED: { status: 400, message: 'Line terminator expected (CRLF)' },
  PORTICO_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'Request head larger than the limit' },
  PORTICO_ERR_TOO_MANY_HEADERS: { status: 431, message: 'More header fields than the limit' },
  PORTICO_ERR_INVALID_CONTENT_LENGTH: { status: 400, message: 'Malformed or conflicting Content-Length' },
  PORTICO_ERR_CONTENT_LENGTH_AND_TRANSFER_ENCODING: {
    status: 400,
    message: 'Both Content-Length and Transfer-Encoding are present',
  },
  PORTICO_ERR_INVALID_TRANSFER_ENCODING: { status: 400, message: 'Malformed Transfer-Encoding' },
  PORTICO_ERR_UNSUPPORTED_TRANSFER_CODING: { status: 501, message: 'Transfer coding not implemented' },
  PORTICO_ERR_INVALID_CHUNK_SIZE: { status: 400, message: 'Malformed chunk size' },
  PORTICO_ERR_CHUNK_SIZE_OVERFLOW: { status: 413, message: 'Chunk size too large' },
  PORTICO_ERR_INVALID_CHUNK_EXTENSION: { status: 400, message: 'Malformed chunk extension' },
  PORTICO_ERR_CHUNK_EXTENSIONS_TOO_LARGE: { status: 400, message: 'Chunk extensions longer than the limit' },
  PORTICO_ERR_INVALID_CHUNK_TERMINATOR: { status: 400, message: 'Chunk data not followed by CRLF' },
  PORTICO_ERR_INVALID_EOF: { status: 400, message: 'Connection closed in the middle of a message' },
  PORTICO_ERR_DATA_AFTER_CLOSE: { status: 400, message: 'Data after a message that closes the connection' },
  PORTICO_ERR_INVALID_CONSTANT: { status: 400, message: 'Unexpected bytes where a fixed token was expected' },
  PORTICO_ERR_PARSER_STATE: { message: 'Parser used after an error or a protocol switch' },
  PORTICO_ERR_INVALID_HEADER_INPUT: { message: 'A header name or value given to the writer is not valid' },

  // --- router ---
  PORTICO_ERR_ROUTE_INVALID_PATTERN: { message: 'Malformed route pattern (must start with /, no empty segment, braces around a whole segment)' },
  PORTICO_ERR_ROUTE_DUPLICATE_PARAM: { message: 'The same parameter name appears twice in a route pattern' },
  PORTICO_ERR_ROUTE_WILDCARD_NOT_LAST: { message: 'A {*name} wildcard is not the last segment of its route pattern' },
  PORTICO_ERR_ROUTE_UNKNOWN_PARAM_TYPE: { message: 'Unknown parameter type in a route pattern (only {name:int} is known)' },
  PORTICO_ERR_ROUTE_INVALID_METHOD: { message: 'A route method is not an HTTP token' },
  PORTICO_ERR_MIDDLEWARE_INVALID_STAGE: { message: "A middleware stage is neither 'encoding' nor an integer >= 1" },
  PORTICO_ERR_MIDDLEWARE_INVALID_OPTION: { message: 'A middleware was created with an option out of its range' },
  PORTICO_ERR_MIDDLEWARE_NEXT_CALLED_TWICE: { message: 'A middleware called next() more than once' },

  // --- server ---
  PORTICO_ERR_BODY_CONSUMED: { message: 'The body (of a request or a response) was already read' },
  PORTICO_ERR_BODY_DISCARDED: { message: 'The request body was discarded unread (its handler settled without claiming it, or its reader stopped early)' },
  PORTICO_ERR_REQUEST_TOO_LARGE: { status: 413, message: 'Request body larger than the limit' },
  PORTICO_ERR_HEADERS_SENT: { message: 'The response head was already sent' },
  PORTICO_ERR_RESPONSE_FINISHED: { message: 'The response was already finished' },
  PORTICO_ERR_INVALID_STATUS_CODE: { message: 'A response status code is not an integer from 100 to 999' },
  PORTICO_ERR_RESPONSE_LENGTH_MISMATCH: { status: 500, message: 'A streamed response body does not match the Content-Length the handler set' },
  PORTICO_ERR_CONNECTION_CLOSED: { message: 'The connection closed before the message (request or response) was complete' },
  PORTICO_ERR_NOT_UPGRADABLE: { message: 'The request cannot be upgraded (no Upgrade, or not the oldest pending request)' },
  PORTICO_ERR_ALREADY_LISTENING: { message: 'The server is already listening' },
  PORTICO_ERR_INVALID_LISTEN_TARGET: { message: 'listen() was given neither a port, a net.Server, a handle nor an fd' },
  PORTICO_ERR_HANDLER_FAILED: { status: 500, message: 'A handler threw an unexpected error' },

  // --- client ---
  PORTICO_ERR_CANT_RESOLVE: { message: 'The host name could not be resolved' },
  PORTICO_ERR_CANT_CONNECT: { message: 'The TCP connection to the server could not be made' },
  PORTICO_ERR_TLS_HANDSHAKE: { message: 'The TLS handshake failed (certificate or protocol)' },
  PORTICO_ERR_PROXY_TUNNEL: { status: 502, message: 'The proxy refused or failed the CONNECT tunnel' },
  PORTICO_ERR_CONNECT_TIMEOUT: { message: 'Connecting took longer than the connect timeout' },
  PORTICO_ERR_HEADERS_TIMEOUT: { message: 'The response head did not arrive within the headers timeout' },
  PORTICO_ERR_BODY_TIMEOUT: { message: 'The response body stalled for longer than the body timeout' },
  PORTICO_ERR_REQUEST_ABORTED: { message: 'The request was aborted by its signal' },
  PORTICO_ERR_TOO_MANY_REDIRECTS: { message: 'The response redirected more times than maxRedirects allows' },
  PORTICO_ERR_CLIENT_STATE: { message: 'HTTPClient method called in a state that does not allow it' },
  PORTICO_ERR_INVALID_REQUEST_URL: { message: 'The URL given to the client is not a valid http(s) URL' },
  PORTICO_ERR_INVALID_REQUEST_METHOD: { message: 'A request method given to the client is not an HTTP token (RFC 9110 §9.1)' },
  PORTICO_ERR_AGENT_CLOSED: { message: 'The agent was closed' },
  PORTICO_ERR_DECOMPRESS: { message: 'The response body could not be decompressed' },
  PORTICO_ERR_RESPONSE_TOO_LARGE: { message: 'The response body passed the maxBodySize of the request (decoded size for compressed bodies)' },
  PORTICO_ERR_UNEXPECTED_UPGRADE: { message: 'The server answered 101 Switching Protocols to a request that cannot take over the connection' },

  // --- sse ---
  PORTICO_ERR_SSE_INVALID_FIELD: { message: 'An SSE event type or id contains CR, LF (or NUL in an id)' },
  PORTICO_ERR_SSE_INVALID_RETRY: { message: 'An SSE retry value is not a non-negative integer of milliseconds' },
  PORTICO_ERR_SSE_CLOSED: { message: 'The SSE connection is closed' },
  PORTICO_ERR_SSE_UNKNOWN_CONNECTION: { message: 'No active SSE connection has this id' },
  PORTICO_ERR_SSE_HEADERS_SENT: { message: 'startSSE() called after the response head was sent' },
  PORTICO_ERR_SSE_BAD_RESPONSE: { message: 'The SSE endpoint answered with a status or content type that ends the stream' },
  PORTICO_ERR_SSE_EVENT_TOO_LARGE: { message: 'An SSE line or event passed the client maxEventSize (the stream is dropped and reconnected)' },

  // --- websocket ---
  PORTICO_ERR_WS_PROTOCOL: { message: 'WebSocket protocol violation by the peer (close 1002)' },
  PORTICO_ERR_WS_INVALID_UTF8: { message: 'Invalid UTF-8 in a WebSocket text message or close reason (close 1007)' },
  PORTICO_ERR_WS_MESSAGE_TOO_BIG: { message: 'WebSocket frame or message larger than maxPayload (close 1009)' },
  PORTICO_ERR_WS_INVALID_CLOSE_CODE: { message: 'Invalid WebSocket close code or reason' },
  PORTICO_ERR_WS_NOT_OPEN: { message: 'The WebSocket is not open' },
  PORTICO_ERR_WS_MESSAGE_DROPPED: { message: 'Message dropped: the peer reads too slowly (slow-consumer policy)' },
  PORTICO_ERR_WS_SLOW_CONSUMER: { message: 'Buffered data passed the high-water mark (close 1008)' },
  PORTICO_ERR_WS_HEARTBEAT_TIMEOUT: { message: 'The peer did not answer the heartbeat ping' },
  PORTICO_ERR_WS_HANDSHAKE: { message: 'Invalid WebSocket opening handshake' },
  PORTICO_ERR_WS_INVALID_URL: { message: 'Invalid WebSocket URL (ws: or wss: expected)' },
  PORTICO_ERR_WS_HANDSHAKE_TIMEOUT: { message: 'The WebSocket opening handshake timed out' },
  PORTICO_ERR_WS_CONNECTION_LOST: { message: 'The WebSocket connection closed without a closing handshake (1006)' },
  PORTICO_ERR_WS_INVALID_COMPRESSED_DATA: { message: 'A compressed WebSocket message does not inflate (close 1007)' },
  PORTICO_ERR_WS_LISTENER_FAILED: { message: 'A WebSocket event listener threw; the connection was closed with 1011' },
  PORTICO_ERR_WS_EXTENSION: { message: 'Invalid or unsupported Sec-WebSocket-Extensions negotiation' },

  // --- middleware ---

  // --- hub ---
  PORTICO_ERR_HUB_CLOSED: { message: 'The hub is closed' },
  PORTICO_ERR_HUB_INVALID_TOPIC: { message: 'A hub topic is empty or an event id contains CR, LF or NUL' },
  PORTICO_ERR_HUB_DEPENDENCY_MISSING: { message: 'The optional peer dependency ioredis is not installed (npm install ioredis)' },
  PORTICO_ERR_HUB_UNREACHABLE: { message: 'The hub could not reach Redis (at start, or the connection was lost)' },
  PORTICO_ERR_HUB_LISTENER_FAILED: { message: 'A hub subscriber threw; the others still received the message' },
  PORTICO_ERR_HUB_PUBLISH_FAILED: { message: 'A message could not be handed to the other processes (Redis or IPC failure)' },
  PORTICO_ERR_HUB_ALREADY_ATTACHED: { message: 'A hub is already attached to this server (detach it first)' },
  PORTICO_ERR_CLUSTER_START: { message: 'The cluster supervisor could not start its workers' },

  // --- cli ---

  // --- user ---
  PORTICO_ERR_HTTP: { message: 'An HttpError thrown by application code (its status is its own)' },
} as const satisfies Record<string, ErrorSpec>

/** A stable Portico error code. */
export type ErrorCode = keyof typeof ERRORS

/** Options accepted by every Portico error. */
export interface PorticoErrorOptions {
  /** The underlying error. */
  cause?: unknown
  /** Overrides the registry's status (used by {@link HttpError}). */
  status?: number
}

/**
 * The base of every error Portico raises: a stable `code`, the HTTP `status` where one applies,
 * and `cause`.
 *
 * @example
 * ```ts
 * throw new PorticoError('PORTICO_ERR_URI_TOO_LONG')
 * // err.code === 'PORTICO_ERR_URI_TOO_LONG', err.status === 414
 * ```
 */
export class PorticoError extends Error {
  readonly code: ErrorCode
  readonly status: number | undefined

  constructor(code: ErrorCode, message?: string, options: PorticoErrorOptions = {}) {
    const spec: ErrorSpec = ERRORS[code]
    super(message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status ?? spec.status
  }

  override get name(): string {
    return 'PorticoError'
  }
}

/**
 * A protocol error found by the HTTP/1.1 parsers: names the byte `offset` (from the start of
 * the bytes fed in the failing `execute` call, counted as llhttp does) and the status to answer.
 *
 * @example
 * ```ts
 * try { parser.execute(Buffer.from('GET / HTTP/1.1\r\nHost : x\r\n\r\n')) }
 * catch (err) { if (err instanceof HttpParseError) console.log(err.code, err.offset, err.status) }
 * ```
 */
export class HttpParseError extends PorticoError {
  readonly offset: number

  constructor(code: ErrorCode, offset: number, message?: string, options: PorticoErrorOptions = {}) {
    super(code, message, options)
    this.offset = offset
  }

  override get name(): string {
    return 'HttpParseError'
  }
}

/**
 * Thrown by application code to answer with a given status: the message is sent to the client
 * (it is the application's own words), unlike an unexpected error, which becomes a bare 500.
 *
 * @example
 * ```ts
 * server.get('/users/{id}', (req) => {
 *   const user = users.get(req.getPathParam('id'))
 *   if (!user) throw new HttpError(404, 'No such user')
 *   return user
 * })
 * ```
 */
export class HttpError extends PorticoError {
  /** Extra response headers to send with the error (e.g. `Allow`, `WWW-Authenticate`). */
  readonly headers: Record<string, string> | undefined

  constructor(status: number, message?: string, options: PorticoErrorOptions & { headers?: Record<string, string> } = {}) {
    super('PORTICO_ERR_HTTP', message ?? `HTTP ${status}`, { ...options, status })
    this.headers = options.headers
  }

  override get name(): string {
    return 'HttpError'
  }
}

/**
 * Tells whether a value is a Portico error, optionally with a given code.
 *
 * @example
 * ```ts
 * if (isPorticoError(err, 'PORTICO_ERR_TOO_MANY_HEADERS')) res.setStatus(431)
 * ```
 */
export function isPorticoError(value: unknown, code?: ErrorCode): value is PorticoError {
  return value instanceof PorticoError && (code === undefined || value.code === code)
}
