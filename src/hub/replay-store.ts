/**
 * Where SSE events are kept for clients that reconnect with `Last-Event-ID` (WHATWG HTML
 * §9.2.4). The in-memory store serves one process; the Redis Streams store
 * (`redis-replay-store.ts`) is shared by every instance, so a client that reconnects to a
 * different instance still receives what it missed.
 * @module
 */

/** One stored event. */
export interface StoredEvent {
  /** The SSE id the client sees (the store's sequence, or the id the caller gave). */
  readonly id: string
  /** The store's position: increasing per channel (`'17'`, or a Redis stream id `'1700000000000-0'`). */
  readonly seq: string
  /** The whole encoded event, `id:` line included. */
  readonly bytes: Uint8Array
}

/**
 * A replay store. `body` is an encoded event without its `id:` line (the store adds it).
 *
 * @example
 * ```ts
 * const stored = await store.append('news', encodeEvent({ event: 'headline', data: 'x' }))
 * const missed = await store.since('news', lastEventId)
 * ```
 */
export interface ReplayStore {
  /** Whether every instance sees the same store (sequences comparable across processes). */
  readonly shared: boolean
  /** Stores an event; resolves its id, sequence and bytes. */
  append(channel: string, body: Uint8Array, eventId?: string): Promise<StoredEvent>
  /**
   * The events after the one the client saw last; every stored event when that id is unknown
   * (it may have missed any of them).
   */
  since(channel: string, lastEventId: string): Promise<StoredEvent[]>
  /** The events whose sequence is greater than `seq` (filling a gap after a reconnect). */
  after(channel: string, seq: string): Promise<StoredEvent[]>
  /** The sequence of the newest event of a channel (`undefined` when it has none). */
  latest(channel: string): Promise<string | undefined>
  /** Releases what the store holds. */
  close(): Promise<void>
}

/**
 * `'id: 7\n'` followed by the body: field order within an event does not matter (WHATWG HTML
 * §9.2.6), so the id can be put in front of an already-encoded event.
 *
 * @example
 * ```ts
 * withIdLine('7', Buffer.from('data: x\n\n')) // 'id: 7\ndata: x\n\n'
 * ```
 */
export function withIdLine(id: string, body: Uint8Array): Buffer {
  const head = 'id: ' + id + '\n'
  const out = Buffer.allocUnsafe(Buffer.byteLength(head) + body.length)
  const at = out.write(head, 0, 'utf8')
  out.set(body, at)
  return out
}

/**
 * Compares two sequences (`'12'` or `'1700000000000-3'`): negative, zero or positive; `NaN`
 * when either is not a sequence.
 *
 * @example
 * ```ts
 * compareSeq('1700000000000-2', '1700000000001-0') // < 0
 * ```
 */
export function compareSeq(a: string, b: string): number {
  const m = /^(\d+)(?:-(\d+))?$/.exec(a)
  const n = /^(\d+)(?:-(\d+))?$/.exec(b)
  if (m === null || n === null) return NaN
  const major = BigInt(m[1]) - BigInt(n[1])
  if (major !== 0n) return major < 0n ? -1 : 1
  const minor = BigInt(m[2] ?? '0') - BigInt(n[2] ?? '0')
  return minor === 0n ? 0 : minor < 0n ? -1 : 1
}

/**
 * Options of {@link memoryReplayStore}. The store holds at most `maxChannels` channels of at most
 * `maxEvents` events each, so dynamic channel names (one per user, per room) cannot grow it
 * without bound.
 *
 * @example
 * ```ts
 * // Per-room channels: keep the 5,000 most recently used rooms, 100 events each, for 10 minutes.
 * memoryReplayStore({ maxChannels: 5_000, maxEvents: 100, maxAgeMs: 600_000 })
 * ```
 */
export interface MemoryReplayOptions {
  /** Events kept per channel (the oldest go first). Default 1000. */
  maxEvents?: number
  /**
   * Events older than this are forgotten, and so is a channel whose events are all older (it
   * holds nothing but its name). Default: no age limit.
   */
  maxAgeMs?: number
  /**
   * Channels kept. Creating one more forgets the least recently used channel, whole: the one
   * longest without an append or a read. Default 10,000.
   */
  maxChannels?: number
}

interface Entry extends StoredEvent {
  readonly at: number
}

/**
 * The in-memory replay store: one process (use the Redis store across instances). Sequences come
 * from one counter for the whole store, so they still increase per channel and an id is never
 * given twice, even to a channel that was forgotten and comes back: a client's old
 * `Last-Event-ID` is then unknown (it receives every stored event) instead of matching a new event.
 *
 * @example
 * ```ts
 * const store = memoryReplayStore({ maxChannels: 1_000 })
 * await store.append('room:42', encodeEvent({ data: 'hi' }))
 * store.size // 1 channel held
 * ```
 */
export class MemoryReplayStore implements ReplayStore {
  readonly shared = false
  /** Least recently used first: a use moves a channel to the end. */
  private readonly channels = new Map<string, Entry[]>()
  private readonly maxEvents: number
  private readonly maxAgeMs: number
  private readonly maxChannels: number
  private seq = 0

  /** @internal use {@link memoryReplayStore} */
  constructor(options: MemoryReplayOptions) {
    this.maxEvents = Math.max(1, options.maxEvents ?? 1000)
    this.maxAgeMs = options.maxAgeMs ?? Infinity
    this.maxChannels = Math.max(1, options.maxChannels ?? 10_000)
  }

  /** How many channels the store holds now. */
  get size(): number {
    return this.channels.size
  }

  async append(channel: string, body: Uint8Array, eventId?: string): Promise<StoredEvent> {
    const now = Date.now()
    this.forgetExpired(now)
    let entries = this.use(channel)
    if (entries === undefined) {
      this.channels.set(channel, (entries = []))
      if (this.channels.size > this.maxChannels) this.channels.delete(this.channels.keys().next().value as string)
    }
    const seq = String(++this.seq)
    const id = eventId ?? seq
    const entry: Entry = { id, seq, bytes: withIdLine(id, body), at: now }
    entries.push(entry)
    if (entries.length > this.maxEvents) entries.shift()
    return entry
  }

  async since(channel: string, lastEventId: string): Promise<StoredEvent[]> {
    const entries = this.live(channel)
    for (let i = entries.length - 1; i >= 0; i--) if (entries[i].id === lastEventId) return entries.slice(i + 1)
    return entries.slice()
  }

  async after(channel: string, seq: string): Promise<StoredEvent[]> {
    return this.live(channel).filter((e) => compareSeq(e.seq, seq) > 0)
  }

  async latest(channel: string): Promise<string | undefined> {
    return this.live(channel).at(-1)?.seq
  }

  async close(): Promise<void> {
    this.channels.clear()
  }

  /** A channel's entries, the channel marked as the most recently used. */
  private use(channel: string): Entry[] | undefined {
    const entries = this.channels.get(channel)
    if (entries === undefined) return undefined
    this.channels.delete(channel)
    this.channels.set(channel, entries)
    return entries
  }

  /** A channel's entries within `maxAgeMs`; a channel left with none is forgotten. */
  private live(channel: string): Entry[] {
    const entries = this.use(channel)
    if (entries === undefined) return []
    const limit = Date.now() - this.maxAgeMs
    let old = 0
    while (old < entries.length && entries[old].at < limit) old++
    if (old > 0) entries.splice(0, old)
    if (entries.length === 0) this.channels.delete(channel)
    return entries
  }

  /**
   * Forgets the least recently used channels whose newest event is past `maxAgeMs`. It stops at
   * the first one that is not, so an append costs O(1) amortized; a stale channel further on is
   * forgotten when it is read or once the channels before it go.
   */
  private forgetExpired(now: number): void {
    if (this.maxAgeMs === Infinity) return
    const limit = now - this.maxAgeMs
    for (const [channel, entries] of this.channels) {
      const newest = entries.at(-1)
      if (newest !== undefined && newest.at >= limit) return
      this.channels.delete(channel)
    }
  }
}

/**
 * Creates an in-memory replay store (one process). Bounded: `maxChannels` channels (least
 * recently used forgotten first) of `maxEvents` events, none older than `maxAgeMs` when set.
 *
 * @example
 * ```ts
 * attachHub(server, memoryHub(), { replay: memoryReplayStore({ maxEvents: 100 }) })
 * // One channel per user: bound the channels, and forget a user's events after an hour.
 * attachHub(server, memoryHub(), { replay: memoryReplayStore({ maxChannels: 50_000, maxAgeMs: 3_600_000 }) })
 * ```
 */
export function memoryReplayStore(options: MemoryReplayOptions = {}): MemoryReplayStore {
  return new MemoryReplayStore(options)
}
