/**
 * Topics: publish one message to every WebSocket subscribed to a topic, framing it once (and
 * compressing it once for all subscribers whose server compressor keeps no context, the
 * `server_no_context_takeover` case) instead of once per socket.
 * @module
 */
import { Opcode } from './constants.js'
import { deflateMessage } from './deflate-codec.js'
import { encodeFrame } from './frame-writer.js'
import type { WebSocket } from './websocket.js'
import { toBuffer, type WebSocketData } from './websocket-options.js'

/**
 * Options of one publish.
 *
 * @example
 * ```ts
 * server.publish('chat', text, { except: sender })
 * ```
 */
export interface PublishOptions {
  /** Send a string as binary (bytes are binary already). */
  binary?: boolean
  /** Compress for subscribers that negotiated permessage-deflate (default true). */
  compress?: boolean
  /** A subscriber to skip (typically the sender). */
  except?: WebSocket
}

/**
 * A set of topics and their subscribers. Each Portico server has one (`server.publish`);
 * sockets built directly use {@link defaultTopics}.
 *
 * @example
 * ```ts
 * const topics = new TopicRegistry()
 * ws.topics = topics
 * ws.subscribe('news')
 * topics.publish('news', 'extra! extra!')  // → 1 subscriber
 * ```
 */
export class TopicRegistry {
  private readonly topics = new Map<string, Set<WebSocket>>()
  /** Called when a topic gets its first subscriber (a hub starts relaying it). */
  onTopicOpened: ((topic: string) => void) | undefined
  /** Called when a topic loses its last subscriber. */
  onTopicClosed: ((topic: string) => void) | undefined

  /** Adds a socket to a topic. */
  subscribe(topic: string, ws: WebSocket): void {
    let set = this.topics.get(topic)
    const opened = set === undefined
    if (set === undefined) this.topics.set(topic, (set = new Set()))
    set.add(ws)
    ws.subscriptions.add(topic)
    if (opened) this.onTopicOpened?.(topic)
  }

  /** Removes a socket from a topic. */
  unsubscribe(topic: string, ws: WebSocket): void {
    const set = this.topics.get(topic)
    ws.subscriptions.delete(topic)
    if (set === undefined) return
    set.delete(ws)
    if (set.size > 0) return
    this.topics.delete(topic)
    this.onTopicClosed?.(topic)
  }

  /** Removes a socket from every topic (done on close). */
  unsubscribeAll(ws: WebSocket): void {
    for (const topic of [...ws.subscriptions]) this.unsubscribe(topic, ws)
  }

  /** How many sockets a topic has. */
  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0
  }

  /** The topics with at least one subscriber. */
  topicNames(): string[] {
    return [...this.topics.keys()]
  }

  /**
   * Sends a message to every subscriber of `topic`; returns how many accepted it (a subscriber
   * over its high-water mark with the `drop` policy does not). Server
   * sockets share one encoded frame (one per compression setting); client sockets, which mask
   * each frame, and compressors with context get their own `send`. Slow-consumer policies apply
   * per socket.
   *
   * @example
   * ```ts
   * server.publish('chat', JSON.stringify({ from: 'ann', text: 'hi' }))
   * ```
   */
  publish(topic: string, message: WebSocketData, options: PublishOptions = {}): number {
    const set = this.topics.get(topic)
    if (set === undefined || set.size === 0) return 0
    const payload = toBuffer(message)
    const binary = options.binary ?? typeof message !== 'string'
    const opcode = binary ? Opcode.Binary : Opcode.Text
    const compress = options.compress ?? true
    let plain: Buffer[] | undefined
    let compressed: Map<string, Buffer[]> | undefined
    let count = 0
    for (const ws of set) {
      if (ws === options.except || ws.readyState !== 1) continue
      const params = ws.deflateParams
      const wantsDeflate = compress && params !== undefined && payload.length >= ws.compressionThreshold
      // Framed for this socket alone: a client masks, a compression context is its own, and a
      // message over its fragmentSize is cut into its own frames.
      const fragmented = ws.fragmentSize > 0 && payload.length > ws.fragmentSize
      if (ws.role === 'client' || fragmented || (wantsDeflate && !params.serverNoContextTakeover)) {
        if (ws.offer(payload, binary, compress)) count++
        continue
      }
      if (wantsDeflate) {
        const key = `${params.serverMaxWindowBits}:${ws.compressionLevel}`
        compressed ??= new Map()
        let frames = compressed.get(key)
        if (frames === undefined) {
          frames = encodeFrame(opcode, deflateMessage(payload, params.serverMaxWindowBits, ws.compressionLevel), { rsv1: true })
          compressed.set(key, frames)
        }
        if (ws.sendFrames(frames, payload.length)) count++
        continue
      }
      plain ??= encodeFrame(opcode, payload)
      if (ws.sendFrames(plain, payload.length)) count++
    }
    return count
  }
}

/**
 * The registry of sockets that were not given one (built directly, or by the client).
 *
 * @example
 * ```ts
 * defaultTopics.publish('ticks', String(Date.now()))
 * ```
 */
export const defaultTopics = new TopicRegistry()
