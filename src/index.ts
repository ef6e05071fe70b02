/**
 * Portico: a fast, strict HTTP/1.1 toolkit for Node.js. This entry re-exports the public API;
 * each feature also has its own subpath (`portico/http1`, `portico/server`, `portico/router`,
 * `portico/client`, `portico/sse`, `portico/websocket`, `portico/middleware`, `portico/hub`,
 * `portico/cluster`), which also exports the lower-level pieces.
 *
 * Importing `portico` installs the SSE, WebSocket and middleware methods on the server
 * (`res.startSSE()`, `res.upgradeWebSocket()`, `res.sendFile()`, `server.sse()`, `server.ws()`,
 * `setStaticDirectory()`, `setCorsEnabled()`, …).
 *
 * @example
 * ```ts
 * import { HTTPServer } from 'portico'
 * HTTPServer.registerRoute('GET', '/api/users/{id}', (req, res) => {
 *   res.setJson({ user_id: req.getPathParam('id') })
 * })
 * await HTTPServer.listen(8080)
 * ```
 * @module
 */
export { ERRORS, PorticoError, HttpParseError, HttpError, isPorticoError } from './errors.js'
export type { ErrorCode, ErrorSpec, PorticoErrorOptions } from './errors.js'
export * from './http1/index.js'
export { Router, MiddlewareStack } from './router/index.js'
export type {
  RouteLookup, RouteFound, PathParams, PathParamName, Next, Stage, StageOptions, Endpoint,
  Middleware as GenericMiddleware,
} from './router/index.js'
export * from './server/index.js'
export {
  HTTPClient, Status, TLSOptions, queryStringFromDict, request, Agent, globalAgent, ClientResponse, ResponseBody,
  openConnection, proxyFromEnv, DEFAULT_MAX_BODY_SIZE,
} from './client/index.js'
export type {
  RequestOptions, AgentOptions, ConnectOptions, ConnectTarget, Timeouts, HeadersInput, RequestBodyInit, QueryFields,
} from './client/index.js'
export * from './sse/index.js'
export * from './websocket/index.js'
import './middleware/install.js'
export {
  serveStatic, mountStatic, cors, compress, decodeRequestBody, logger, CorsPolicy,
  type StaticOptions, type MountOptions, type CorsOptions, type CorsOrigin, type CompressOptions,
  type DecodeBodyOptions, type LoggerOptions,
} from './middleware/index.js'
export {
  memoryHub, clusterHub, redisHub, attachHub, memoryReplayStore, redisReplayStore,
  type Hub, type HubListener, type HubMessage, type HubPublishOptions, type RedisHubOptions, type AttachHubOptions,
  type ReplayStore,
} from './hub/index.js'
export { cluster, Supervisor, onWorkerStop, workerReady, type ClusterOptions, type Stoppable } from './cluster/index.js'
