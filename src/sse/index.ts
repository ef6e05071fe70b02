/**
 * `portico/sse`: Server-Sent Events. Server side: `res.startSSE()`, `server.sse(path, handler)`,
 * the server's registry by id, channels with broadcast and replay, slow-consumer guard. Client
 * side: an `EventSource` for Node and `for await (const ev of sse(url))`. And the pure pieces
 * (event encoder, stream parser) for those building their own.
 * @module
 */
import './install.js'

export { SSEConnection, type SseCloseReason, type SseChannelHub, type SseConnectionInit } from './sse-connection.js'
export { SSE_DEFAULTS, type SseTransport, type SseConnectionOptions, type SseSlowConsumerPolicy } from './transport.js'
export { SseRegistry, type SseChannelOptions, type SseRegistryHooks } from './sse-registry.js'
export { ReplayBuffer, type ReplayOptions as SseReplayOptions } from './replay-buffer.js'
export { SseGenerator, type SseGeneratorTarget } from './sse-generator.js'
export { sseState, type SseServerOptions, type SseServerState } from './server-state.js'
export type { SseRouteOptions, SseHandler } from './install.js'
export { encodeEvent, encodeEventText, encodeComment, encodeRetry, validateEventType, validateEventId, validateRetry, type SseEvent } from './event-encoder.js'
export { SseStreamParser, DEFAULT_MAX_EVENT_SIZE, type ParsedSseEvent, type SseParserCallbacks, type SseParserLimits } from './stream-parser.js'
export { EventSource, EventSourceErrorEvent, type EventSourceInit } from './event-source.js'
export { SseSubscription, type SseClientOptions, type SseClientHandlers, type SseReadyState } from './sse-client.js'
export { sse, type SseIteratorOptions } from './sse-iterator.js'
