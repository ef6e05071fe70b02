/**
 * `portico/server`: the HTTP/1.1 server engine and the seed's HTTPServer API.
 * @module
 */
export { Server, createServer, HTTPServer } from './server.js'
export { PorticoRequest } from './request.js'
export { PorticoResponse, type ResponseSink } from './response.js'
export { ResponseStream, type BodyStream, type OpenStreamOptions } from './response-stream.js'
export type { BodyEncoder, BodyEncoding, BodyDecoder } from './body-encoder.js'
export { Connection } from './connection.js'
export type { BodySource } from './send-stream.js'
export type { ListenOptions, ListenTarget, TlsFiles } from './listen.js'
export type { StopOptions } from './stop.js'
export type { InjectRequest, InjectResponse } from './inject.js'
export type { Handler, HandlerResult, Middleware, RouteOptions, ErrorHandler, ServerOptions, NewThread, ServerSocket } from './types.js'
export type { RunResult } from './run.js'
