/**
 * Received messages waiting for `receive()`: a FIFO with its size in bytes (so the WebSocket
 * can stop reading the socket past a high-water mark) and the callers waiting for the next
 * message.
 * @module
 */
import type { WebSocketMessage } from './websocket-options.js'

/**
 * The receive queue of one WebSocket.
 *
 * @example
 * ```ts
 * const inbox = new MessageInbox()
 * if (!inbox.offer('hi')) inbox.push('hi', 2)
 * await inbox.next() // 'hi'
 * ```
 */
export class MessageInbox {
  private messages: WebSocketMessage[] = []
  private sizes: number[] = []
  private waiters: Array<(message: WebSocketMessage | null) => void> = []
  /** Bytes of the queued messages. */
  bytes = 0

  /** Messages queued. */
  get length(): number {
    return this.messages.length
  }

  /** Hands `message` to the oldest waiting `next()`; false when nobody waits. */
  offer(message: WebSocketMessage): boolean {
    const waiter = this.waiters.shift()
    if (waiter === undefined) return false
    waiter(message)
    return true
  }

  /** Queues a message of `bytes` bytes. */
  push(message: WebSocketMessage, bytes: number): void {
    this.messages.push(message)
    this.sizes.push(bytes)
    this.bytes += bytes
  }

  /** The oldest queued message, if any. */
  take(): WebSocketMessage | undefined {
    if (this.messages.length === 0) return undefined
    this.bytes -= this.sizes.shift() as number
    return this.messages.shift()
  }

  /** Waits for the next message (`null` once {@link close} is called). */
  wait(): Promise<WebSocketMessage | null> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Answers every waiting caller with `null` (the connection is closing). */
  close(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter(null)
  }
}
