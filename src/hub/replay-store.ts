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

/** Options of {@link memoryReplayStore}. */
export interface MemoryReplayOptions {
  /** Events kept per channel. Default 1000. */
  maxEvents?: number
  /** Events older than this are forgotten. Default: no age limit. */
  maxAgeMs?: number
}

interface Entry extends StoredEvent {
  readonly at: number
}

interface Channel {
  seq: number
  readonly entries: Entry[]
}

/** The in-memory replay store: one process (use the Redis store across instances). */
class MemoryReplayStore implements ReplayStore {
  readonly shared = false
  private readonly channels = new Map<string, Channel>()
  private readonly maxEvents: number
  private readonly maxAgeMs: number

  constructor(options: MemoryReplayOptions) {
    this.maxEvents = Math.max(1, options.maxEvents ?? 1000)
    this.maxAgeMs = options.maxAgeMs ?? Infinity
  }

  async append(channel: string, body: Uint8Array, eventId?: string): Promise<StoredEvent> {
    let ch = this.channels.get(channel)
    if (ch === undefined) this.channels.set(channel, (ch = { seq: 0, entries: [] }))
    const seq = String(++ch.seq)
    const id = eventId ?? seq
    const entry: Entry = { id, seq, bytes: withIdLine(id, body), at: Date.now() }
    ch.entries.push(entry)
    if (ch.entries.length > this.maxEvents) ch.entries.shift()
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

  private live(channel: string): Entry[] {
    const ch = this.channels.get(channel)
    if (ch === undefined) return []
    const limit = Date.now() - this.maxAgeMs
    while (ch.entries.length > 0 && ch.entries[0].at < limit) ch.entries.shift()
    return ch.entries
  }
}

/**
 * Creates an in-memory replay store (one process).
 *
 * @example
 * ```ts
 * attachHub(server, memoryHub(), { replay: memoryReplayStore({ maxEvents: 100 }) })
 * ```
 */
export function memoryReplayStore(options: MemoryReplayOptions = {}): ReplayStore {
  return new MemoryReplayStore(options)
}
