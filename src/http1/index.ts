/**
 * `portico/http1`: the HTTP/1.1 wire codec. Bytes in, heads and bodies out; heads and chunks
 * out as bytes. No sockets, no timers: shared by the server and the client.
 * @module
 */
export { DEFAULT_PARSER_LIMITS } from './types.js'
export type { ParserLimits, MessageHead, RequestHead, ResponseHead, ChunkExtension, ParserCallbacks } from './types.js'
export { Method, methodName, type MethodName } from './method.js'
export { ResponseCode, reasonPhrase } from './response-code.js'
export { writeResponseHead, writeRequestHead, validateHeaderName, validateHeaderValue, validateMethod } from './head-writer.js'
export { httpDate } from './date-cache.js'
export { chunkHeader, CHUNK_END, lastChunk, encodeChunk } from './chunked-encoder.js'
export { getHeader, getHeaderAll, splitTokens, hasToken } from './headers.js'
export { RequestParser } from './request-parser.js'
export { ResponseParser } from './response-parser.js'
export { ParsedRequestHead, ParsedResponseHead } from './message-head.js'
