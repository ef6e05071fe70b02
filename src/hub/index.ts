/**
 * `portico/hub`: broadcast across processes and machines. `memoryHub()` (one process, the
 * default), `clusterHub()` (the workers of one machine, over IPC), `redisHub()` (machines, over
 * Redis pub/sub), replay stores for SSE `Last-Event-ID` on any instance, and `attachHub()` to
 * route a server's `broadcast` and `publish` through a hub.
 * @module
 */
export { BaseHub, type Hub, type HubListener, type HubMessage, type HubPublishOptions } from './hub.js'
export { encodeFrame, decodeFrame, type DecodedFrame } from './frame.js'
export { MemoryHub, memoryHub } from './memory-hub.js'
export { ClusterHub, clusterHub, relayClusterHub } from './cluster-hub.js'
export { RedisHub, redisHub, type RedisHubOptions } from './redis-hub.js'
export type { RedisClientLike } from './redis-client.js'
export { MemoryReplayStore, memoryReplayStore, compareSeq, withIdLine, type ReplayStore, type StoredEvent, type MemoryReplayOptions } from './replay-store.js'
export { RedisReplayStore, redisReplayStore, type RedisReplayOptions } from './redis-replay-store.js'
export { attachHub, type AttachHubOptions, type HubAttachment } from './attach.js'
export { SseBridge } from './sse-bridge.js'
export { WebSocketBridge } from './ws-bridge.js'
