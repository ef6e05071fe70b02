/**
 * `portico/http1`: the HTTP/1.1 wire codec. Bytes in, heads and bodies out; heads and chunks
 * out as bytes. No sockets, no timers: shared by the server and the client.
 * @module
 */
export { DEFAULT_PARSER_LIMITS } from './types.js'
export type { ParserLimits, MessageHead, RequestHead, ResponseHead, ChunkExtension, ParserCallbacks } from './types.js'
export { Method, methodName, type MethodName } from './method.js'
export { ResponseCode, reasonPhrase } from './response-code.js'
