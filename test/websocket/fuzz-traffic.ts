/**
 * Client traffic for the WebSocket fuzzer (fuzz.test.ts): a seeded PRNG, random messages cut
 * into wire frames with pings between them, the client's permessage-deflate (RFC 7692), and
 * plans that inject one protocol violation into a stream with the model's prediction of where
 * the server stops and which close code it sends (RFC 6455 §5, §7.4.1, §8.1).
 */
import assert from 'node:assert/strict'
import { isUtf8 } from 'node:buffer'
import * as zlib from 'node:zlib'
import { encodeFrame } from '../../src/websocket/frame-writer.js'

/** The server's maxPayload in every fuzz session; the violation plans go just over it. */
export const MAX_PAYLOAD = 100_000
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff])

// ---------------------------------------------------------------- seeded randomness

export interface Rng {
  next(): number
  int(lo: number, hi: number): number
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  bytes(n: number): Buffer
}

/** mulberry32: small, fast, good enough to drive a fuzzer. */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0
  const u32 = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  const next = (): number => u32() / 4294967296
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1))
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    bytes: (n) => {
      const out = Buffer.allocUnsafe(n)
      for (let i = 0; i < n; i += 4) {
        const v = u32()
        for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff
      }
      return out
    },
  }
}

/** The seed of iteration `i` of test case `caseNo` in a run seeded with `seed` (`FUZZ_SEED`). */
export function iterationSeed(seed: number, caseNo: number, i: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(caseNo + 1, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35)) >>> 0
}

// ---------------------------------------------------------------- messages and frames

interface Message {
  opcode: 1 | 2
  data: Buffer
  compressed: boolean
  /** The wire payloads of its frames (compressed bytes when `compressed`). */
  fragments: Buffer[]
}

/** One frame of the client's stream, with what the model expects of it. */
export interface Wire {
  opcode: number
  payload: Buffer
  fin: boolean
  rsv1: boolean
  /** RSV2/RSV3 bits to OR into the first byte. */
  bits?: number
  unmasked?: boolean
  /** Bytes no encoder writes (a malformed header). */
  raw?: Buffer
  /** This frame ends `completes`: its echo is expected when it precedes the violation. */
  completes?: Message
  /** A ping: its pong is expected when it precedes the violation. */
  ping?: Buffer
  /** Index of the message the frame belongs to. */
  msg?: number
}

export function encodeWire(w: Wire): Buffer {
  if (w.raw !== undefined) return w.raw
  const frame = Buffer.concat(encodeFrame(w.opcode, w.payload, { fin: w.fin, rsv1: w.rsv1, mask: w.unmasked !== true }))
  if (w.bits !== undefined) frame[0] |= w.bits
  return frame
}

/** Sizes 0..70,000, biased small, with the length-encoding boundaries (§5.2) likely. */
export function randomSize(rng: Rng): number {
  const r = rng.next()
  if (r < 0.45) return rng.int(0, 16)
  if (r < 0.72) return rng.int(17, 300)
  if (r < 0.84) return Math.max(0, rng.pick([125, 126, 127, 65535, 65536]) + rng.int(-1, 1))
  if (r < 0.95) return rng.int(300, 8000)
  return rng.int(8000, 70_000)
}

/** Random text of exactly `bytes` UTF-8 bytes: ASCII, 2-, 3- and 4-byte characters. */
function randomText(rng: Rng, bytes: number): Buffer {
  const parts: string[] = []
  let length = 0
  while (length < bytes) {
    const r = rng.next()
    let cp: number
    if (r < 0.5) cp = rng.int(0x20, 0x7e)
    else if (r < 0.65) cp = rng.int(0x80, 0x7ff)
    else if (r < 0.8) {
      cp = rng.int(0x800, 0xfffd)
      if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800
    } else cp = rng.int(0x10000, 0x10ffff)
    let size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
    if (length + size > bytes) {
      cp = rng.int(0x20, 0x7e)
      size = 1
    }
    parts.push(String.fromCodePoint(cp))
    length += size
  }
  return Buffer.from(parts.join(''))
}

export function randomMessage(rng: Rng, size = randomSize(rng)): Message {
  const opcode = rng.chance(0.55) ? 1 : 2
  return { opcode, data: opcode === 1 ? randomText(rng, size) : rng.bytes(size), compressed: false, fragments: [] }
}

/** Cuts `data` into `n` pieces at random offsets (inside characters too), some empty. */
function cut(rng: Rng, data: Buffer, n: number): Buffer[] {
  const points = [0]
  for (let i = 1; i < n; i++) points.push(rng.chance(0.2) ? points[i - 1] : rng.int(0, data.length))
  points.sort((x, y) => x - y)
  points.push(data.length)
  return points.slice(1).map((end, i) => data.subarray(points[i], end))
}

/** The client's permessage-deflate compressor (RFC 7692 §7.2.1). */
export class ClientDeflate {
  private stream: zlib.DeflateRaw | undefined
  private chunks: Buffer[] = []
  constructor(
    private readonly noContext: boolean,
    private readonly windowBits: number,
  ) {}

  async compress(data: Buffer): Promise<Buffer> {
    const strip = (b: Buffer): Buffer => (b.subarray(-4).equals(TRAILER) ? b.subarray(0, -4) : b)
    if (this.noContext) return strip(zlib.deflateRawSync(data, { windowBits: this.windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH }))
    if (this.stream === undefined) {
      this.stream = zlib.createDeflateRaw({ windowBits: this.windowBits })
      this.stream.on('data', (chunk: Buffer) => this.chunks.push(chunk))
    }
    const stream = this.stream
    stream.write(data)
    await new Promise<void>((resolve) => stream.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()))
    const out = Buffer.concat(this.chunks)
    this.chunks = []
    return strip(out)
  }

  close(): void {
    this.stream?.close()
  }
}

/** The client's inflater for the server's compressed echoes. */
export class ClientInflate {
  private stream: zlib.InflateRaw | undefined
  private chunks: Buffer[] = []
  private failure: Error | undefined
  constructor(private readonly noContext: boolean) {}

  async inflate(data: Buffer): Promise<Buffer> {
    const input = Buffer.concat([data, TRAILER])
    if (this.noContext) return zlib.inflateRawSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH })
    if (this.stream === undefined) {
      this.stream = zlib.createInflateRaw({ windowBits: 15 })
      this.stream.on('data', (chunk: Buffer) => this.chunks.push(chunk))
      this.stream.on('error', (err) => (this.failure = err))
    }
    const stream = this.stream
    stream.write(input)
    await new Promise<void>((resolve) => stream.flush(() => resolve()))
    if (this.failure !== undefined) throw this.failure
    const out = Buffer.concat(this.chunks)
    this.chunks = []
    return out
  }

  close(): void {
    this.stream?.close()
  }
}

interface FrameOptions {
  /** Probability of a ping before each fragment after the first, and before the message. */
  pingRate: number
  /** No pings between this message's fragments (where the model cannot tell when the server fails). */
  noInnerPings?: boolean
  fragments?: number
}

/** A ping (its pong expected), now and then an unsolicited pong (nothing expected, §5.5.3). */
export function randomPing(rng: Rng): Wire {
  const payload = rng.bytes(rng.chance(0.3) ? 0 : rng.int(1, 125))
  if (rng.chance(0.15)) return { opcode: 10, payload, fin: true, rsv1: false }
  return { opcode: 9, payload, fin: true, rsv1: false, ping: payload }
}

/** The frames of message `index`, compressed when `deflate` is given and chosen, with pings between fragments. */
export async function messageFrames(rng: Rng, m: Message, index: number, deflate: ClientDeflate | undefined, options: FrameOptions): Promise<Wire[]> {
  if (m.fragments.length === 0) {
    // Random bytes grow a little when compressed: a message near maxPayload could make a frame over it.
    const compress = m.compressed || ((m.opcode === 1 || m.data.length < MAX_PAYLOAD - 1024) && rng.chance(0.7))
    const wire = deflate !== undefined && compress ? await deflate.compress(m.data) : m.data
    m.compressed = wire !== m.data
    m.fragments = cut(rng, wire, options.fragments ?? rng.int(1, 5))
  }
  const out: Wire[] = []
  if (rng.chance(options.pingRate)) out.push(randomPing(rng))
  m.fragments.forEach((payload, k) => {
    if (k > 0 && options.noInnerPings !== true) while (rng.chance(options.pingRate)) out.push(randomPing(rng))
    const last = k === m.fragments.length - 1
    out.push({ opcode: k === 0 ? m.opcode : 0, payload, fin: last, rsv1: k === 0 && m.compressed, msg: index, ...(last ? { completes: m } : {}) })
  })
  return out
}

export function closeWire(rng: Rng): { wire: Wire; code: number } {
  if (rng.chance(0.15)) return { wire: { opcode: 8, payload: Buffer.alloc(0), fin: true, rsv1: false }, code: 1005 }
  const code = rng.pick([1000, 1001, 1003, 1008, 1011, 3000 + rng.int(0, 1999)])
  const payload = Buffer.alloc(2)
  payload.writeUInt16BE(code)
  const reason = rng.chance(0.5) ? Buffer.alloc(0) : randomText(rng, rng.int(0, 123))
  return { wire: { opcode: 8, payload: Buffer.concat([payload, reason]), fin: true, rsv1: false }, code }
}

// ---------------------------------------------------------------- violations

export type Kind =
  | 'unmasked'
  | 'rsv2-rsv3'
  | 'rsv1'
  | 'reserved-opcode'
  | 'long-control'
  | 'fragmented-control'
  | 'orphan-continuation'
  | 'data-in-fragmented'
  | 'invalid-utf8'
  | 'frame-too-big'
  | 'message-too-big'
  | 'bad-close'
  | 'length64-msb'
  | 'deflate-too-big'
  | 'deflate-garbage'

export const PLAIN_KINDS: Kind[] = ['unmasked', 'rsv2-rsv3', 'rsv1', 'reserved-opcode', 'long-control', 'fragmented-control', 'orphan-continuation', 'data-in-fragmented', 'invalid-utf8', 'frame-too-big', 'message-too-big', 'bad-close', 'length64-msb']
// The compression-specific kinds weigh more where compression is on.
export const DEFLATE_KINDS: Kind[] = [...PLAIN_KINDS, 'deflate-too-big', 'deflate-garbage', 'deflate-too-big', 'deflate-garbage', 'invalid-utf8']

/** Byte sequences that are not UTF-8 whatever follows them (RFC 3629 §4). */
const INVALID_UTF8 = ['ff', 'fe', 'c0af', 'c1bf', '80', 'bf', 'e08080', 'eda080', 'edbfbf', 'f0808080', 'f4908080', 'f5', 'e28261', 'f09f98'].map((h) => Buffer.from(h, 'hex'))

/** Whether `prefix` can still begin valid UTF-8 (some 0..3 continuation bytes complete it). */
function extendable(prefix: Buffer): boolean {
  if (isUtf8(prefix)) return true
  const tails: number[][] = []
  for (const a of [0x80, 0x90, 0xa0]) {
    tails.push([a])
    for (const b of [0x80, 0x90, 0xa0]) {
      tails.push([a, b])
      for (const c of [0x80, 0x90, 0xa0]) tails.push([a, b, c])
    }
  }
  return tails.some((t) => isUtf8(Buffer.concat([prefix, Buffer.from(t)])))
}

/** A size over maxPayload, often by exactly one byte. */
function overSize(rng: Rng, most: number): number {
  return MAX_PAYLOAD + (rng.chance(0.4) ? 1 : rng.int(2, most))
}

/** Positions (before frame i) where no fragmented message is open. */
function openAt(frames: Wire[]): boolean[] {
  const open: boolean[] = []
  let inMessage = false
  for (const w of frames) {
    open.push(inMessage)
    if (w.opcode === 1 || w.opcode === 2) inMessage = !w.fin
    else if (w.opcode === 0 && w.fin) inMessage = false
  }
  open.push(inMessage)
  return open
}

interface Plan {
  frames: Wire[]
  /** Index of the first frame the server must not act on (frames.length: none). */
  stop: number
  code: number
  summary: string
}

function frameIndexOf(frames: Wire[], msg: number, fragment: number): number {
  let k = -1
  return frames.findIndex((w) => w.msg === msg && ++k === fragment)
}

/** A session of random messages with exactly one violation of `kind`, and the model's prediction. */
export async function violationPlan(rng: Rng, kind: Kind, deflate: ClientDeflate | undefined): Promise<Plan> {
  const messages: Message[] = Array.from({ length: rng.int(0, 5) }, () => randomMessage(rng))
  let special: Message | undefined
  let options: FrameOptions = { pingRate: 0.2 }
  if (kind === 'data-in-fragmented') {
    special = randomMessage(rng)
    options = { pingRate: 0.2, fragments: rng.int(2, 5) }
  } else if (kind === 'invalid-utf8') {
    const text = randomText(rng, randomSize(rng))
    let at = rng.int(0, text.length)
    while (at < text.length && (text[at] & 0xc0) === 0x80) at++ // a character boundary
    const bad = rng.pick(INVALID_UTF8)
    const data = rng.chance(0.15) ? Buffer.concat([text, Buffer.from(rng.pick(['e282', 'f09f98', 'c3']), 'hex')]) : Buffer.concat([text.subarray(0, at), bad, text.subarray(at)])
    special = { opcode: 1, data, compressed: false, fragments: [] }
    if (rng.chance(0.3)) {
      // Uncompressed, cut inside (or next to) the bad sequence.
      const split = at + rng.int(0, bad.length)
      special.fragments = [data.subarray(0, split), data.subarray(split)]
    }
  } else if (kind === 'frame-too-big') {
    special = { opcode: 2, data: rng.bytes(overSize(rng, 20_000)), compressed: false, fragments: [] }
    special.fragments = [special.data]
  } else if (kind === 'message-too-big') {
    special = { opcode: 2, data: rng.bytes(overSize(rng, 20_000)), compressed: false, fragments: [] }
    special.fragments = cut(rng, special.data, rng.int(2, 5))
  } else if (kind === 'deflate-too-big' && deflate !== undefined) {
    special = { opcode: rng.pick([1, 2] as const), data: Buffer.alloc(overSize(rng, 150_000), 0x61), compressed: true, fragments: [] }
    options = { pingRate: 0.2, noInnerPings: true }
  } else if (kind === 'deflate-garbage') {
    const garbage = Buffer.concat([Buffer.from([0xff]), rng.bytes(rng.int(0, 60))])
    special = { opcode: rng.pick([1, 2] as const), data: garbage, compressed: true, fragments: cut(rng, garbage, rng.int(1, 3)) }
    options = { pingRate: 0.2, noInnerPings: true }
  }
  const specialIndex = special === undefined ? -1 : rng.int(0, messages.length)
  if (special !== undefined) messages.splice(specialIndex, 0, special)

  const frames: Wire[] = []
  for (let i = 0; i < messages.length; i++) frames.push(...(await messageFrames(rng, messages[i], i, deflate, i === specialIndex ? options : { pingRate: 0.2 })))
  if (rng.chance(0.3)) frames.push(randomPing(rng))

  let stop = 0
  let code = 1002
  const insert = (at: number, w: Wire): void => {
    frames.splice(at, 0, w)
    stop = at
  }
  const anywhere = (): number => rng.int(0, frames.length)
  const existing = (filter: (w: Wire) => boolean): number => {
    if (!frames.some(filter)) frames.push({ opcode: 9, payload: Buffer.alloc(0), fin: true, rsv1: false, ping: Buffer.alloc(0) })
    return rng.pick(frames.map((w, i) => (filter(w) ? i : -1)).filter((i) => i >= 0))
  }
  switch (kind) {
    case 'unmasked':
      stop = existing(() => true)
      frames[stop].unmasked = true
      break
    case 'rsv2-rsv3':
      stop = existing(() => true)
      frames[stop].bits = rng.pick([0x10, 0x20, 0x30])
      break
    case 'rsv1':
      // Without permessage-deflate RSV1 is never allowed; with it, not on a continuation or control frame.
      stop = existing((w) => deflate === undefined || w.opcode === 0 || w.opcode >= 8)
      frames[stop].rsv1 = true
      break
    case 'reserved-opcode':
      insert(anywhere(), { opcode: rng.pick([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]), payload: rng.bytes(rng.int(0, 40)), fin: rng.chance(0.7), rsv1: false })
      break
    case 'long-control':
      insert(anywhere(), { opcode: rng.pick([8, 9, 10]), payload: Buffer.concat([Buffer.from([0x03, 0xe8]), rng.bytes(rng.int(124, 400))]), fin: true, rsv1: false })
      break
    case 'fragmented-control':
      insert(anywhere(), { opcode: rng.pick([8, 9, 10]), payload: Buffer.from([0x03, 0xe8]), fin: false, rsv1: false })
      break
    case 'orphan-continuation': {
      const open = openAt(frames)
      const spots = open.map((o, i) => (o ? -1 : i)).filter((i) => i >= 0)
      insert(rng.pick(spots), { opcode: 0, payload: rng.bytes(rng.int(0, 20)), fin: rng.chance(0.6), rsv1: false })
      break
    }
    case 'data-in-fragmented': {
      const open = openAt(frames)
      const spots = open.map((o, i) => (o ? i : -1)).filter((i) => i >= 0)
      insert(rng.pick(spots), { opcode: rng.pick([1, 2]), payload: Buffer.from('x'), fin: rng.chance(0.6), rsv1: false })
      break
    }
    case 'invalid-utf8': {
      const m = messages[specialIndex]
      code = 1007
      if (m.compressed) {
        stop = frameIndexOf(frames, specialIndex, m.fragments.length - 1) // checked once inflated, at the end
        break
      }
      // RFC 6455 §8.1, failing fast: at the first fragment after which the text cannot be UTF-8.
      let prefix = Buffer.alloc(0)
      let k = 0
      for (; k < m.fragments.length; k++) {
        prefix = Buffer.concat([prefix, m.fragments[k]])
        if (k === m.fragments.length - 1 ? !isUtf8(prefix) : !extendable(prefix)) break
      }
      assert.ok(k < m.fragments.length, 'the fuzzer built valid UTF-8 for an invalid-utf8 case')
      stop = frameIndexOf(frames, specialIndex, k)
      break
    }
    case 'frame-too-big':
    case 'message-too-big': {
      code = 1009
      const m = messages[specialIndex]
      let total = 0
      let k = 0
      while ((total += m.fragments[k].length) <= MAX_PAYLOAD) k++
      stop = frameIndexOf(frames, specialIndex, k)
      break
    }
    case 'deflate-too-big':
    case 'deflate-garbage':
      // Where inside the message zlib gives up depends on its buffering: no pings there, so any frame of it will do.
      code = kind === 'deflate-too-big' ? 1009 : 1007
      stop = frameIndexOf(frames, specialIndex, 0)
      break
    case 'bad-close': {
      const r = rng.next()
      let payload: Buffer
      if (r < 0.25) payload = Buffer.from([0x03])
      else if (r < 0.7) {
        payload = Buffer.alloc(2)
        payload.writeUInt16BE(rng.pick([0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]))
      } else {
        code = 1007
        payload = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('ok'), rng.pick(INVALID_UTF8)])
      }
      insert(anywhere(), { opcode: 8, payload, fin: true, rsv1: false })
      break
    }
    case 'length64-msb': {
      const head = Buffer.concat([Buffer.from([0x82, 0xff, 0x80 | rng.int(0, 0x7f)]), rng.bytes(7), rng.bytes(4)])
      insert(anywhere(), { opcode: 2, payload: Buffer.alloc(0), fin: true, rsv1: false, raw: head })
      break
    }
  }
  frames.push(closeWire(rng).wire) // ignored: the server stopped reading
  const sizes = messages.map((m, i) => `${m.opcode === 1 ? 't' : 'b'}${m.data.length}/${m.fragments.length}${m.compressed ? 'z' : ''}${i === specialIndex ? '*' : ''}`)
  return { frames, stop, code, summary: `${kind} at frame ${stop}/${frames.length}, messages [${sizes.join(' ')}]` }
}
