/**
 * `attachHub(server, hub)`: makes one server's `broadcast` (SSE) and `publish` (WebSocket
 * topics) go through a hub, so they reach the clients of every process and machine, and
 * reports hub failures as the server's `serverError` events.
 * @module
 */
import type { Server } from '../server/server.js'
import { sseState } from '../sse/server-state.js'
import '../sse/install.js'
import '../websocket/install.js'
import type { PublishOptions } from '../websocket/topics.js'
import type { WebSocketData } from '../websocket/websocket-options.js'
import type { Hub } from './hub.js'
import type { ReplayStore } from './replay-store.js'
import { SseBridge } from './sse-bridge.js'
import { WebSocketBridge } from './ws-bridge.js'

/** Options of {@link attachHub}. */
export interface AttachHubOptions {
  /**
   * Where SSE events are kept for `Last-Event-ID` reconnections. With a shared store
   * (`hub.replayStore()` on a Redis hub) a client may reconnect to any instance. With a store,
   * channels' own replay buffers (`server.sseChannel(name, { replay })`) are not used.
   */
  replay?: ReplayStore
  /** Bridge SSE broadcasts (default true). */
  sse?: boolean
  /** Bridge WebSocket topics (default true). */
  webSocket?: boolean
}

/** What `attachHub` returns. */
export interface HubAttachment {
  readonly hub: Hub
  /** Same as `server.broadcast` once attached. */
  broadcast(channel: string | undefined, event: string, data: unknown, eventId?: string): number
  /** Same as `server.publish` once attached. */
  publish(topic: string, message: WebSocketData, options?: PublishOptions): number
  /** Puts the server back on its own broadcast and publish. Does not close the hub. */
  detach(): void
}

/**
 * Routes `server.broadcast` and `server.publish` through `hub`. Hub errors become `serverError`
 * events. Returns a handle to detach.
 * Throws `PORTICO_ERR_HUB_ALREADY_ATTACHED` when a hub is already attached to this server.
 *
 * @example
 * ```ts
 * const hub = await redisHub({ url: process.env.REDIS_URL })
 * attachHub(server, hub, { replay: hub.replayStore({ maxLen: 1000 }) })
 * server.broadcast('news', 'headline', 'Portico ships')   // every instance's clients
 * server.publish('chat', 'hello')                          // every instance's subscribers
 * ```
 */
export function attachHub(server: Server, hub: Hub, options: AttachHubOptions = {}): HubAttachment {
  const fail = (message: string, error: unknown): void => server.emitError(`hub (${hub.kind}): ${message}`, error)
  const onError = (error: Error): void => fail(error.message, error)
  const sse = options.sse === false ? undefined : new SseBridge(sseState(server).registry, hub, options.replay, fail)
  let ws: WebSocketBridge | undefined
  try {
    ws = options.webSocket === false ? undefined : new WebSocketBridge(server.topics, hub, fail)
  } catch (err) {
    sse?.detach()
    throw err
  }
  hub.on('error', onError)
  const own = server as unknown as Record<string, unknown>
  const attachment: HubAttachment = {
    hub,
    broadcast: (channel, event, data, eventId) => (sse === undefined ? server.broadcast(channel, event, data, eventId) : sse.broadcast(channel, event, data, eventId)),
    publish: (topic, message, publishOptions) => (ws === undefined ? server.publish(topic, message, publishOptions) : ws.publish(topic, message, publishOptions)),
    detach: () => {
      sse?.detach()
      ws?.detach()
      if (sse !== undefined) delete own.broadcast
      if (ws !== undefined) delete own.publish
      hub.off('error', onError)
    },
  }
  if (sse !== undefined) own.broadcast = attachment.broadcast
  if (ws !== undefined) own.publish = attachment.publish
  return attachment
}
