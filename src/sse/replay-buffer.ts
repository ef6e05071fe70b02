/**
 * A channel's memory of recent events, so a client that reconnects with `Last-Event-ID`
 * receives what it missed (WHATWG HTML §9.2.4: the client sends the last id it saw).
 * @module
 */

/**
 * How much a channel remembers: the last `maxEvents` events, and none older than `maxAgeMs`.
 *
 * @example
 * ```ts
 * server.sseChannel('news', { replay: { maxEvents: 100, maxAgeMs: 60_000 } })
 * ```
 */
export interface ReplayOptions {
  /** Events kept at most. Default 100. */
  maxEvents?: number
  /** Events older than this are forgotten. Default: no age limit. */
  maxAgeMs?: number
}

interface Entry {
  readonly id: string | undefined
  readonly bytes: Uint8Array
  readonly at: number
}

/**
 * The encoded events of one channel, oldest first.
 *
 * @example
 * ```ts
 * const replay = new ReplayBuffer({ maxEvents: 3 })
 * replay.push('1', encodeEvent({ id: '1', data: 'a' }))
 * replay.push('2', encodeEvent({ id: '2', data: 'b' }))
 * replay.since('1') // [bytes of event 2]
 * ```
 */
export class ReplayBuffer {
  private readonly maxEvents: number
  private readonly maxAgeMs: number
  private entries: Entry[] = []
  private head = 0

  constructor(options: ReplayOptions = {}) {
    this.maxEvents = Math.max(1, options.maxEvents ?? 100)
    this.maxAgeMs = options.maxAgeMs ?? Infinity
  }

  /** Number of events remembered. */
  get size(): number {
    this.prune(Date.now())
    return this.entries.length - this.head
  }

  /** Remembers one encoded event (`id` as sent, `undefined` when it had none). */
  push(id: string | undefined, bytes: Uint8Array): void {
    const now = Date.now()
    this.entries.push({ id, bytes, at: now })
    if (this.entries.length - this.head > this.maxEvents) this.head++
    this.prune(now)
  }

  /**
   * The events after the one whose id is `lastEventId`. When that id is no longer (or never
   * was) in the buffer, every remembered event: the client may have missed any of them. This
   * makes replay at-least-once: a client whose id fell out of the buffer may receive events it
   * already saw (and has lost for good those that fell out before them).
   */
  since(lastEventId: string): Uint8Array[] {
    this.prune(Date.now())
    let from = this.head
    for (let i = this.entries.length - 1; i >= this.head; i--) {
      if (this.entries[i].id === lastEventId) {
        from = i + 1
        break
      }
    }
    const out: Uint8Array[] = []
    for (let i = from; i < this.entries.length; i++) out.push(this.entries[i].bytes)
    return out
  }

  private prune(now: number): void {
    if (this.maxAgeMs !== Infinity) {
      const limit = now - this.maxAgeMs
      while (this.head < this.entries.length && this.entries[this.head].at < limit) this.head++
    }
    // Compact once the dead prefix is as long as the live part, so memory stays ~2× maxEvents.
    if (this.head > 32 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head)
      this.head = 0
    }
  }
}
