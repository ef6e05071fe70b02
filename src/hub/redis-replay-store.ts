/**
 * The replay store in Redis Streams: one stream per channel (`<prefix>replay:<channel>`),
 * `XADD … MAXLEN ~ N *` so ids are Redis stream ids, increasing per channel, and
 * `XRANGE key (<id> +` to read what came after an id. With the hub's connection, appending and
 * publishing run as one Lua script: every instance then receives a channel's events in stream
 * order, the order replay uses, so "what did this client miss" has one answer everywhere.
 * @module
 */
import { createHash } from 'node:crypto'
import { compareSeq, withIdLine, type ReplayStore, type StoredEvent } from './replay-store.js'
import type { RedisClientLike, StreamEntries } from './redis-client.js'
import type { RedisHub } from './redis-hub.js'

/** Options of {@link redisReplayStore}. */
export interface RedisReplayOptions {
  /** Events kept per channel (approximately: `MAXLEN ~`). Default 1000. */
  maxLen?: number
  /** Key prefix. Default: the hub's prefix, else `'portico:'`. */
  prefix?: string
}

const STREAM_ID = /^\d+-\d+$/

// KEYS[1] stream; ARGV: maxLen, body, custom id or '', channel. The frame is the hub's wire
// format (frame.ts) with an empty origin, so every instance delivers it, the publisher included.
const APPEND_AND_PUBLISH = `
local seq
if ARGV[3] == '' then
  seq = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'b', ARGV[2])
else
  seq = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'b', ARGV[2], 'i', ARGV[3])
end
local id = seq
if ARGV[3] ~= '' then id = ARGV[3] end
local frame = '\\1\\3\\0' .. string.char(math.floor(#seq / 256), #seq % 256) .. seq .. 'id: ' .. id .. '\\n' .. ARGV[2]
redis.call('PUBLISH', ARGV[4], frame)
return seq
`
const APPEND_SHA = createHash('sha1').update(APPEND_AND_PUBLISH).digest('hex')

/**
 * A replay store in Redis Streams (`XADD … MAXLEN ~ N` per channel), so a client that
 * reconnects to any instance with `Last-Event-ID` receives what it missed.
 *
 * @example
 * ```ts
 * attachHub(server, hub, { replay: redisReplayStore(hub, { maxLen: 1000 }) })
 * ```
 */
export class RedisReplayStore implements ReplayStore {
  readonly shared = true
  private readonly client: RedisClientLike
  private readonly hub: RedisHub | undefined
  private readonly prefix: string
  private readonly maxLen: number

  /** @internal use {@link redisReplayStore} or `hub.replayStore()` */
  constructor(client: RedisClientLike, hub: RedisHub | undefined, options: RedisReplayOptions) {
    this.client = client
    this.hub = hub
    this.prefix = options.prefix ?? hub?.prefix ?? 'portico:'
    this.maxLen = Math.max(1, options.maxLen ?? 1000)
  }

  async append(channel: string, body: Uint8Array, eventId?: string): Promise<StoredEvent> {
    const fields: Array<string | Buffer> = ['b', Buffer.from(body.buffer, body.byteOffset, body.byteLength)]
    if (eventId !== undefined) fields.push('i', eventId)
    const seq = String(await this.client.xadd(this.key(channel), 'MAXLEN', '~', String(this.maxLen), '*', ...fields))
    const id = eventId ?? seq
    return { id, seq, bytes: withIdLine(id, body) }
  }

  /**
   * @internal Appends and publishes on `topic` in one script (hub's connection required);
   * resolves the sequence. Every instance, this one included, receives it through pub/sub.
   */
  async appendAndPublish(channel: string, body: Uint8Array, eventId: string | undefined, topic: string): Promise<string> {
    const hub = this.hub as RedisHub
    const args = [this.key(channel), String(this.maxLen), Buffer.from(body.buffer, body.byteOffset, body.byteLength), eventId ?? '', hub.channel(topic)]
    try {
      return String(await this.client.evalsha(APPEND_SHA, 1, ...args))
    } catch (error) {
      if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error
      return String(await this.client.eval(APPEND_AND_PUBLISH, 1, ...args))
    }
  }

  /** Whether `appendAndPublish` is available (the store was made from a hub). */
  get publishes(): boolean {
    return this.hub !== undefined
  }

  async since(channel: string, lastEventId: string): Promise<StoredEvent[]> {
    if (STREAM_ID.test(lastEventId)) return this.after(channel, lastEventId)
    const all = this.decode(await this.client.xrangeBuffer(this.key(channel), '-', '+'))
    if (lastEventId === '') return all
    for (let i = all.length - 1; i >= 0; i--) if (all[i].id === lastEventId) return all.slice(i + 1)
    return all
  }

  async after(channel: string, seq: string): Promise<StoredEvent[]> {
    const start = STREAM_ID.test(seq) ? '(' + seq : '-'
    const entries = this.decode(await this.client.xrangeBuffer(this.key(channel), start, '+'))
    return STREAM_ID.test(seq) ? entries : entries.filter((e) => !(compareSeq(e.seq, seq) <= 0))
  }

  async latest(channel: string): Promise<string | undefined> {
    const newest = await this.client.xrevrange(this.key(channel), '+', '-', 'COUNT', 1)
    return newest[0]?.[0]
  }

  async close(): Promise<void> {}

  private key(channel: string): string {
    return this.prefix + 'replay:' + channel
  }

  private decode(entries: StreamEntries): StoredEvent[] {
    const out: StoredEvent[] = []
    for (const [rawSeq, fields] of entries) {
      const seq = rawSeq.toString('latin1')
      let body: Buffer | undefined
      let custom: string | undefined
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const name = fields[i].toString('latin1')
        if (name === 'b') body = fields[i + 1]
        else if (name === 'i') custom = fields[i + 1].toString('utf8')
      }
      if (body === undefined) continue
      const id = custom ?? seq
      out.push({ id, seq, bytes: withIdLine(id, body) })
    }
    return out
  }
}

/**
 * Creates a Redis Streams replay store on a hub's connection (events are then appended and
 * published atomically) or on any ioredis client. On a plain client, appending and publishing
 * are two steps: with several processes publishing on one channel, instances may deliver live
 * events out of stream order, and a client can miss on replay an event published late (each
 * event still reaches a client at most once; docs/scaling.md). Prefer the hub's store then.
 *
 * @example
 * ```ts
 * const hub = await redisHub({ url })
 * attachHub(server, hub, { replay: redisReplayStore(hub, { maxLen: 500 }) })
 * ```
 */
export function redisReplayStore(source: RedisHub | RedisClientLike, options: RedisReplayOptions = {}): RedisReplayStore {
  if ('subscriber' in source && 'kind' in source) return new RedisReplayStore(source.client, source, options)
  return new RedisReplayStore(source as RedisClientLike, undefined, options)
}
