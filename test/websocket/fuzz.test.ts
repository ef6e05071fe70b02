/**
 * Fuzzes the server-side WebSocket over real loopback sockets against a model (RFC 6455 §5,
 * §7, §8.1; RFC 7692). Each iteration builds a random client byte stream (messages fragmented
 * at random offsets, pings between fragments, optionally one protocol violation), writes it
 * cut into random pieces, and compares what the echo server sends back with what the model
 * predicts: the echoes of the messages completed before the violation, the pongs of the pings
 * before it, in order, then one close frame with the expected code, then the end of TCP.
 *
 * Reproduce a run with `FUZZ_SEED=<n>` (printed in every failure); `FUZZ_SCALE=<k>` runs k
 * times as many iterations; `FUZZ_ITERATION=<i>` replays iteration i alone; `FUZZ_VERBOSE=1`
 * prints every iteration's plan.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Frame } from '../../src/websocket/frame-parser.js'
import { encodeFrame } from '../../src/websocket/frame-writer.js'
import type { AcceptOptions } from '../../src/websocket/accept.js'
import type { WebSocket } from '../../src/websocket/websocket.js'
import { WebSocketError } from '../../src/websocket/ws-error.js'
import {
  ClientDeflate,
  ClientInflate,
  DEFLATE_KINDS,
  MAX_PAYLOAD,
  PLAIN_KINDS,
  closeWire,
  encodeWire,
  iterationSeed,
  makeRng,
  messageFrames,
  randomMessage,
  randomPing,
  randomSize,
  violationPlan,
  type Kind,
  type Rng,
  type Wire,
} from './fuzz-traffic.js'
import { closeCodeOf, rawClient, startUpgradeServer, type RawClient, type UpgradeServer } from './helpers.js'

const SEED = process.env.FUZZ_SEED === undefined ? 20240611 : Number(process.env.FUZZ_SEED)
const SCALE = Number(process.env.FUZZ_SCALE ?? 1)
const VERBOSE = process.env.FUZZ_VERBOSE !== undefined
/** Runs only the iteration of this number in each test (`FUZZ_ITERATION=<i>`), to replay one failure. */
const ONLY = process.env.FUZZ_ITERATION === undefined ? undefined : Number(process.env.FUZZ_ITERATION)
const skip = (i: number): boolean => ONLY !== undefined && i !== ONLY
/** How long any single expected event may take before the iteration fails. */
const WAIT_MS = 3000

// ---------------------------------------------------------------- the wire

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

async function deadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms ${what}`)), WAIT_MS)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Writes `frames` all at once, one by one, or cut into random pieces, with small awaits between writes. */
async function writeCut(rng: Rng, client: RawClient, frames: Buffer[]): Promise<string> {
  const socket = client.socket
  const bytes = Buffer.concat(frames)
  let pieces: Buffer[]
  const mode = rng.pick(['whole', 'frames', 'random', 'random', 'tiny'] as const)
  if (mode === 'whole') pieces = [bytes]
  else if (mode === 'frames') pieces = frames
  else {
    // At most ~400 writes per stream, whatever its size.
    const most = Math.max(mode === 'tiny' ? 3 : rng.pick([8, 100, 2000, 40_000]), Math.ceil((bytes.length * 2) / 400))
    pieces = []
    for (let at = 0; at < bytes.length; ) {
      const n = rng.int(1, most)
      pieces.push(bytes.subarray(at, at + n))
      at += n
    }
  }
  let slow = 0
  for (const piece of pieces) {
    if (socket.destroyed || socket.writableEnded) break
    socket.write(piece)
    const r = rng.next()
    if (r < 0.4) continue
    if (r < 0.97 || slow >= 10) await tick()
    else {
      slow++
      await pause(1)
    }
  }
  return `${mode}:${pieces.length}`
}

interface Echo {
  opcode: number
  data: Buffer
}

/** What the client received, decoded. */
class Received {
  readonly echoes: Echo[] = []
  readonly pongs: Buffer[] = []
  close: Frame | undefined
  count = 0
  private parts: Buffer[] = []
  private opcode = 0
  private compressed = false

  constructor(
    private readonly client: RawClient,
    private readonly inflater: ClientInflate | undefined,
  ) {}

  /** Reads frames until `enough()` or a close frame. */
  async until(enough: () => boolean): Promise<void> {
    while (this.close === undefined && !enough()) {
      const frame = await deadline(this.client.nextFrame(), `waiting for frame ${this.count} (${this.echoes.length} echoes, ${this.pongs.length} pongs so far)`)
      this.count++
      await this.take(frame)
    }
  }

  private async take(frame: Frame): Promise<void> {
    if (frame.opcode === 10) this.pongs.push(frame.payload)
    else if (frame.opcode === 8) this.close = frame
    else if (frame.opcode === 1 || frame.opcode === 2 || frame.opcode === 0) {
      if (frame.opcode !== 0) {
        this.opcode = frame.opcode
        this.compressed = frame.compressed
      }
      this.parts.push(frame.payload)
      if (!frame.fin) return
      let data: Buffer = Buffer.concat(this.parts)
      this.parts = []
      if (this.compressed) {
        assert.ok(this.inflater !== undefined, 'a compressed frame without permessage-deflate')
        data = await this.inflater.inflate(data)
      }
      this.echoes.push({ opcode: this.opcode, data })
    } else assert.fail(`unexpected opcode ${frame.opcode} from the server`)
  }
}

/**
 * Checks the echoes and pongs received against the model's, in order. With `echoPrefix` (a loop
 * consumer, whose sends after a violation are refused) the echoes may stop early.
 */
function checkTraffic(got: Received, frames: Wire[], stop: number, echoPrefix = false): void {
  const echoes = frames.slice(0, stop).flatMap((w) => (w.completes === undefined ? [] : [w.completes]))
  const pings = frames.slice(0, stop).flatMap((w) => (w.ping === undefined ? [] : [w.ping]))
  const closed = got.close === undefined ? 'no close' : `close ${closeCodeOf(got.close)} ${JSON.stringify(got.close.payload.subarray(2).toString())}`
  if (echoPrefix) assert.ok(got.echoes.length <= echoes.length, `echoes: got ${got.echoes.length}, expected at most ${echoes.length} (${closed})`)
  else assert.equal(got.echoes.length, echoes.length, `echoes: got ${got.echoes.length}, expected ${echoes.length} (${closed})`)
  echoes.slice(0, got.echoes.length).forEach((m, k) => {
    const e = got.echoes[k]
    assert.equal(e.opcode, m.opcode, `echo ${k}: opcode`)
    if (!e.data.equals(m.data)) {
      let at = 0
      while (at < m.data.length && e.data[at] === m.data[at]) at++
      assert.fail(`echo ${k} (${m.opcode === 1 ? 'text' : 'binary'}, ${m.data.length} bytes) differs: got ${e.data.length} bytes, first difference at byte ${at}`)
    }
  })
  assert.equal(got.pongs.length, pings.length, `pongs: got ${got.pongs.length}, expected ${pings.length}`)
  pings.forEach((p, k) => assert.ok(got.pongs[k].equals(p), `pong ${k} does not carry ping ${k}'s payload`))
}

// ---------------------------------------------------------------- servers and sessions

interface ServerSide {
  ws: WebSocket
  errors: Error[]
}

interface EchoServer {
  server: UpgradeServer
  accepted: ServerSide[]
}

/**
 * How the server reads: `'events'` echoes from the `'message'` listener, synchronously, so only
 * the messages before a violation are echoed; `'loop'` echoes from `for await (… of ws)`, one
 * `await send` at a time, so a close must wait for the echoes.
 */
type Consumer = 'events' | 'loop'

async function echoServer(options: AcceptOptions, consumer: Consumer = 'events'): Promise<EchoServer> {
  const accepted: ServerSide[] = []
  const server = await startUpgradeServer({ maxPayload: MAX_PAYLOAD, closeTimeout: 2000, ...options }, (ws) => {
    const side: ServerSide = { ws, errors: [] }
    ws.on('error', (err) => side.errors.push(err))
    if (consumer === 'events') ws.on('message', (m, isBinary) => void ws.send(m, { binary: isBinary }))
    else {
      void (async () => {
        for await (const m of ws) await ws.send(m)
      })().catch((err: Error) => side.errors.push(err))
    }
    accepted.push(side)
  })
  return { server, accepted }
}

/** Server options for a random consumer: a small receiveHighWaterMark makes the loop pause reading (TCP backpressure). */
function consumerSetup(rng: Rng, loopAllowed: boolean): { consumer: Consumer; options: AcceptOptions } {
  const fragment = rng.chance(0.2) ? { fragmentSize: rng.pick([125, 4096]) } : {}
  if (!loopAllowed || rng.chance(0.6)) return { consumer: 'events', options: fragment }
  return { consumer: 'loop', options: { ...fragment, receiveHighWaterMark: rng.pick([1, 1024, 65536, 1 << 20]) } }
}

interface Negotiated {
  deflate: ClientDeflate
  inflate: ClientInflate
  extensions: string
}

/** A random permessage-deflate offer and server configuration; the client follows the server's answer. */
function deflateSetup(rng: Rng): { offer: string; options: AcceptOptions } {
  const params = ['permessage-deflate']
  if (rng.chance(0.3)) params.push('server_no_context_takeover')
  if (rng.chance(0.4)) params.push('client_no_context_takeover')
  if (rng.chance(0.2)) params.push('server_max_window_bits=10')
  if (rng.chance(0.3)) params.push(rng.chance(0.5) ? 'client_max_window_bits' : 'client_max_window_bits=9')
  const perMessageDeflate = {
    threshold: rng.pick([0, 16, 1024]),
    level: rng.pick([1, 6]),
    ...(rng.chance(0.2) ? { clientNoContextTakeover: true } : {}),
    ...(rng.chance(0.2) ? { serverNoContextTakeover: true } : {}),
    ...(rng.chance(0.2) ? { clientMaxWindowBits: 11 } : {}),
  }
  return { offer: `Sec-WebSocket-Extensions: ${params.join('; ')}\r\n`, options: { perMessageDeflate } }
}

function negotiated(response: string): Negotiated {
  const line = /^sec-websocket-extensions:([^\r]*)$/im.exec(response)
  assert.ok(line !== null && /permessage-deflate/.test(line[1]), `permessage-deflate not negotiated: ${JSON.stringify(response)}`)
  const value = line[1]
  const clientBits = /client_max_window_bits=(\d+)/.exec(value)
  return {
    deflate: new ClientDeflate(/client_no_context_takeover/.test(value), clientBits === null ? 15 : Number(clientBits[1])),
    inflate: new ClientInflate(/server_no_context_takeover/.test(value)),
    extensions: value.trim(),
  }
}

/** Runs `body` on a fresh connection; any failure names the seed and the iteration. */
async function onConnection(
  echo: EchoServer,
  ctx: { label: string; offer?: string },
  body: (client: RawClient, side: ServerSide, neg: Negotiated | undefined, note: (s: string) => void) => Promise<void>,
): Promise<void> {
  const notes: string[] = []
  let client: RawClient | undefined
  let neg: Negotiated | undefined
  let side: ServerSide | undefined
  try {
    client = await deadline(rawClient(echo.server.port, ctx.offer ?? ''), 'for the handshake')
    client.socket.setNoDelay(true)
    side = echo.accepted.shift()
    assert.ok(side !== undefined, 'no server-side WebSocket for the connection')
    if (ctx.offer !== undefined) {
      neg = negotiated(client.response)
      notes.push(neg.extensions)
    }
    await body(client, side, neg, (s) => notes.push(s))
    if (VERBOSE) console.log(`${ctx.label} [${notes.join('; ')}]`)
  } catch (err) {
    const reported = (side?.errors ?? []).map((e) => `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`)
    if (err instanceof Error) err.message = `FUZZ_SEED=${SEED} ${ctx.label} [${notes.join('; ')}]\n${err.message}\nserver-side errors: ${JSON.stringify(reported)}`
    throw err
  } finally {
    client?.socket.destroy()
    neg?.deflate.close()
    neg?.inflate.close()
  }
}

/** After the close frame: the server closes TCP, sends nothing more, and reports `code`. */
async function checkEnd(client: RawClient, got: Received, side: ServerSide, code: number): Promise<void> {
  assert.ok(got.close !== undefined)
  assert.equal(closeCodeOf(got.close), code, 'close code sent by the server')
  await deadline(client.ended, 'for the server to close TCP')
  assert.equal(client.frames.length, got.count, 'frames after the close frame')
  await deadline(side.ws.closed, 'for the server-side WebSocket to close')
  assert.equal(side.ws.closeCode, code, 'server-side closeCode')
}

/** A valid session: 1–3 rounds of random traffic, each fully echoed before the next, then a close. */
async function validSession(rng: Rng, echo: EchoServer, consumer: Consumer, label: string, offer?: string): Promise<void> {
  await onConnection(echo, { label, offer }, async (client, side, neg, note) => {
    const got = new Received(client, neg?.inflate)
    const frames: Wire[] = []
    // With the loop consumer the close goes alone, in a last round, once every echo is back.
    const rounds = rng.int(1, 3) + (consumer === 'loop' ? 1 : 0)
    let msg = 0
    for (let round = 0; round < rounds; round++) {
      const start = frames.length
      const last = round === rounds - 1
      const count = last && consumer === 'loop' ? 0 : rng.int(0, 8)
      for (let i = 0; i < count; i++) {
        const m = randomMessage(rng, rng.chance(0.015) ? MAX_PAYLOAD : randomSize(rng))
        frames.push(...(await messageFrames(rng, m, msg++, neg?.deflate, { pingRate: 0.2 })))
      }
      if (rng.chance(0.3)) frames.push(randomPing(rng))
      const close = closeWire(rng)
      // The close may come between the fragments of a message (§5.4 lets control frames in); whatever
      // follows it, even a violation, is ignored (§5.5.1).
      let stop = frames.length
      if (last) {
        if (consumer === 'events' && rng.chance(0.25)) stop = rng.int(start, frames.length)
        frames.splice(stop, 0, close.wire)
        if (rng.chance(0.2)) frames.push(randomPing(rng), { opcode: 1, payload: Buffer.from([0xff]), fin: true, rsv1: false, unmasked: rng.chance(0.5) })
        note(`close at frame ${stop}/${frames.length}`)
      }
      const sizes = frames.slice(start).flatMap((w) => (w.completes === undefined ? [] : [`${w.completes.opcode === 1 ? 't' : 'b'}${w.completes.data.length}/${w.completes.fragments.length}${w.completes.compressed ? 'z' : ''}`]))
      const echoes = frames.filter((w) => w.completes !== undefined).length
      const pongs = frames.filter((w) => w.ping !== undefined).length
      const [how] = await Promise.all([writeCut(rng, client, frames.slice(start).map(encodeWire)), got.until(() => !last && got.echoes.length >= echoes && got.pongs.length >= pongs)])
      note(`round ${round} [${sizes.join(' ')}] ${how}`)
      if (last) {
        await got.until(() => false)
        checkTraffic(got, frames, stop)
        await checkEnd(client, got, side, close.code)
      } else checkTraffic(got, frames, frames.length)
    }
    assert.deepEqual(side.errors, [], 'server-side errors on valid traffic')
  })
}

/** An invalid session: one violation; only what precedes it is answered, then a close with its code. */
async function invalidSession(rng: Rng, echo: EchoServer, consumer: Consumer, label: string, kinds: Kind[], offer?: string): Promise<void> {
  await onConnection(echo, { label, offer }, async (client, side, neg, note) => {
    const plan = await violationPlan(rng, rng.pick(kinds), neg?.deflate)
    note(plan.summary)
    const got = new Received(client, neg?.inflate)
    const [how] = await Promise.all([writeCut(rng, client, plan.frames.map(encodeWire)), got.until(() => false)])
    note(how)
    checkTraffic(got, plan.frames, plan.stop, consumer === 'loop')
    await checkEnd(client, got, side, plan.code)
    const first = side.errors[0]
    assert.ok(first instanceof WebSocketError && first.closeCode === plan.code, `server-side error: ${String(first)}`)
  })
}

// ---------------------------------------------------------------- the tests

describe(`WebSocket server fuzz (FUZZ_SEED=${SEED})`, () => {
  it('echoes random valid traffic, fragmented and cut anywhere, answering every ping in order', async () => {
    for (let i = 0; i < 40 * SCALE; i++) {
      if (skip(i)) continue
      const rng = makeRng(iterationSeed(SEED, 0, i))
      const setup = consumerSetup(rng, true)
      const echo = await echoServer(setup.options, setup.consumer)
      try {
        await validSession(rng, echo, setup.consumer, `valid #${i} ${setup.consumer} ${JSON.stringify(setup.options)}`)
      } finally {
        await echo.server.close()
      }
    }
  })

  it('answers one injected violation with the right close code, after exactly the traffic before it', async () => {
    for (let i = 0; i < 150 * SCALE; i++) {
      if (skip(i)) continue
      const rng = makeRng(iterationSeed(SEED, 1, i))
      const setup = consumerSetup(rng, true)
      const echo = await echoServer(setup.options, setup.consumer)
      try {
        await invalidSession(rng, echo, setup.consumer, `invalid #${i} ${setup.consumer} ${JSON.stringify(setup.options)}`, PLAIN_KINDS)
      } finally {
        await echo.server.close()
      }
    }
  })

  it('permessage-deflate: echoes random valid compressed and plain traffic', async () => {
    for (let i = 0; i < 25 * SCALE; i++) {
      if (skip(i)) continue
      const rng = makeRng(iterationSeed(SEED, 2, i))
      const setup = deflateSetup(rng)
      const reader = consumerSetup(rng, true)
      const options = { ...setup.options, ...reader.options }
      const echo = await echoServer(options, reader.consumer)
      try {
        await validSession(rng, echo, reader.consumer, `deflate valid #${i} ${reader.consumer} ${JSON.stringify(options)}`, setup.offer)
      } finally {
        await echo.server.close()
      }
    }
  })

  it('permessage-deflate: answers one injected violation with the right close code', async () => {
    for (let i = 0; i < 50 * SCALE; i++) {
      if (skip(i)) continue
      const rng = makeRng(iterationSeed(SEED, 3, i))
      const setup = deflateSetup(rng)
      const reader = consumerSetup(rng, true)
      const options = { ...setup.options, ...reader.options }
      const echo = await echoServer(options, reader.consumer)
      try {
        await invalidSession(rng, echo, reader.consumer, `deflate invalid #${i} ${reader.consumer} ${JSON.stringify(options)}`, DEFLATE_KINDS, setup.offer)
      } finally {
        await echo.server.close()
      }
    }
  })
})

describe('WebSocket server: what the fuzzer found', () => {
  // receive() used to resume the frame parser while a context-takeover inflation was running:
  // later messages overtook it, and a second compressed frame replaced its callback.
  it(
    'keeps messages in order when receive() takes a message while a compressed one inflates',
    async () => {
      const echo = await echoServer({ perMessageDeflate: { threshold: 1 << 20 } }, 'loop')
      const deflate = new ClientDeflate(false, 15)
      let client: RawClient | undefined
      try {
        const peer = await rawClient(echo.server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n')
        client = peer
        const texts = ['one', 'two', 'three'.repeat(1000), 'four']
        const frames: Buffer[] = []
        for (const text of texts) {
          const compressed = text.length > 100
          const payload = compressed ? await deflate.compress(Buffer.from(text)) : Buffer.from(text)
          frames.push(...encodeFrame(1, payload, { mask: true, rsv1: compressed }))
        }
        // One write, one chunk: 'two' waits in the inbox while 'three' inflates; the loop's receive() takes 'two'.
        peer.socket.write(Buffer.concat(frames))
        for (const [k, text] of texts.entries()) {
          const frame = await deadline(peer.nextFrame(), `for echo ${k}`)
          const got = frame.payload.toString()
          assert.deepEqual([frame.opcode, got.length, got.slice(0, 10)], [1, text.length, text.slice(0, 10)], `echo ${k}`)
        }
      } finally {
        client?.socket.destroy()
        deflate.close()
        await echo.server.close()
      }
    },
  )
})
