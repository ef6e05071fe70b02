/**
 * `npm run bench:ws`: Portico's WebSocket server against `ws`, the same load generator for
 * both (raw sockets, pre-masked frames, a frame counter reading headers only), each server in its own
 * process (pinned to CPU 0 when `taskset` exists, the load generator on CPU 1).
 *
 * - echo: 50 connections ping-ponging a 32-byte text message; messages per second, and the
 *   server's CPU time per message. Every server runs at once and the load moves from one to
 *   the next every slice, so each ratio pairs figures taken seconds apart.
 * - broadcast: 1,000 clients; the server sends 1,000 messages of 64 bytes to every one of them;
 *   deliveries per second until every client has all of them.
 *
 * Options (environment): BENCH_DEPTH (echo messages in flight per connection, default 1: a
 * strict ping-pong), BENCH_SLICES (echo slices per server, default 10), BENCH_SECONDS (seconds
 * per echo slice, default 2), BENCH_ROUNDS (broadcast rounds, default 3), BENCH_IMPLS
 * (portico,ws), BENCH_MODES (echo,broadcast), BENCH_NODE_ARGS (for the server processes, e.g.
 * `--cpu-prof`), BENCH_CLIENTS (broadcast clients, 1000), BENCH_MESSAGES (broadcast messages, 1000).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import * as net from 'node:net'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { procCpuSeconds } from './lib/server-process.js'
import { encodeFrame } from '../src/websocket/frame-writer.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const SLICES = Number(process.env.BENCH_SLICES ?? 10)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const DEPTH = Number(process.env.BENCH_DEPTH ?? 1)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000)
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000)
const IMPLS = (process.env.BENCH_IMPLS ?? 'portico,ws').split(',')
const MODES = (process.env.BENCH_MODES ?? 'echo,broadcast').split(',')
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
const here = dirname(fileURLToPath(import.meta.url))
const pin = cpus().length >= 2 && spawnSync('taskset', ['-V']).error === undefined
if (pin) spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' })

async function startServer(impl: string, mode: string): Promise<{ child: ChildProcess; port: number }> {
  const args = [...NODE_ARGS, join(here, 'ws-server.js'), impl, mode]
  const child = pin ? spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const [line] = (await once(lines, 'line')) as [string]
  return { child, port: (JSON.parse(line) as { port: number }).port }
}

async function stopServer(child: ChildProcess): Promise<void> {
  child.kill()
  if (child.exitCode === null) await once(child, 'exit')
}

/**
 * Counts the unmasked frames a server sends, reading only their headers (the load generator
 * must stay cheaper than the servers it measures). Calls `onFrame` once per frame.
 */
function frameCounter(onFrame: () => void): (chunk: Buffer) => void {
  let pending: Buffer | undefined
  let skip = 0
  return (chunk) => {
    const data = pending === undefined ? chunk : Buffer.concat([pending, chunk])
    pending = undefined
    let i = 0
    if (skip > 0) {
      const n = Math.min(skip, data.length)
      skip -= n
      i = n
    }
    while (i < data.length) {
      if (data.length - i < 2) break
      let length = data[i + 1] & 0x7f
      let header = 2
      if (length === 126) {
        if (data.length - i < 4) break
        length = data.readUInt16BE(i + 2)
        header = 4
      } else if (length === 127) {
        if (data.length - i < 10) break
        length = data.readUInt32BE(i + 6)
        header = 10
      }
      onFrame()
      const end = i + header + length
      if (end > data.length) {
        skip = end - data.length
        i = data.length
        break
      }
      i = end
    }
    if (i < data.length) pending = Buffer.from(data.subarray(i))
  }
}

/**
 * A raw WebSocket client connection: handshake by hand, then `onFrame` per frame. (Reading
 * through net's `onread` option was tried: it doubled the round-trip time on Node 20.)
 */
function connect(port: number, onFrame: () => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.setNoDelay(true)
    socket.on('error', reject)
    const count = frameCounter(onFrame)
    let head: Buffer | undefined = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      if (head === undefined) {
        count(chunk)
        return
      }
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end === -1) return
      const rest = head.subarray(end + 4)
      head = undefined
      resolve(socket)
      if (rest.length > 0) count(rest)
    })
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
  })
}

/** One echo load on one server: 50 connections, each ping-ponging DEPTH messages while running. */
class EchoLoad {
  count = 0
  private running = false
  private readonly sockets: net.Socket[] = []
  private readonly frames: Buffer[]

  constructor(readonly impl: string, readonly pid: number | undefined) {
    const one = Buffer.concat(encodeFrame(1, Buffer.from('0123456789abcdef0123456789abcdef'), { mask: true }))
    this.frames = [Buffer.alloc(0)]
    for (let n = 1; n <= DEPTH * 4; n++) this.frames.push(Buffer.concat(Array.from({ length: n }, () => one)))
  }

  async connect(port: number): Promise<void> {
    const frames = this.frames
    for (let i = 0; i < 50; i++) {
      let due = 0
      let scheduled = false
      const socket: net.Socket = await connect(port, () => {
        this.count++
        if (!this.running) return
        // Answer every echo, batching the answers read from one chunk into one write.
        due++
        if (!scheduled) {
          scheduled = true
          queueMicrotask(() => {
            scheduled = false
            while (due > 0) {
              const n = Math.min(due, frames.length - 1)
              socket.write(frames[n])
              due -= n
            }
          })
        }
      })
      this.sockets.push(socket)
    }
  }

  start(): void {
    this.running = true
    for (const s of this.sockets) s.write(this.frames[DEPTH])
  }

  /** Stops answering, then waits until the messages in flight are back. */
  async stop(): Promise<void> {
    this.running = false
    let last = -1
    while (last !== this.count) {
      last = this.count
      await new Promise((r) => setTimeout(r, 30))
    }
  }

  close(): void {
    for (const s of this.sockets) s.destroy()
  }
}

interface EchoSlice {
  rate: number
  /** Server CPU µs per message. */
  cpuUs: number
  serverBusy: number
  loadBusy: number
}

/** Runs `load` for `seconds` and measures it. */
async function echoSlice(load: EchoLoad, seconds: number): Promise<EchoSlice> {
  load.start()
  await new Promise((r) => setTimeout(r, 200))
  const start = load.count
  const cpu0 = procCpuSeconds(load.pid ?? -1)
  const own0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const done = load.count - start
  const serverCpu = procCpuSeconds(load.pid ?? -1) - cpu0
  const own = process.cpuUsage(own0)
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9
  await load.stop()
  return { rate: done / elapsed, cpuUs: (serverCpu * 1e6) / done, serverBusy: serverCpu / elapsed, loadBusy: (own.user + own.system) / 1e6 / elapsed }
}

/**
 * The echo comparison: every server runs at once (idle but one), and the load moves from one
 * to the next every slice, so each ratio compares figures taken seconds apart (this machine's
 * speed drifts over minutes). Reports medians of the slices and of the paired ratios.
 */
async function echoComparison(): Promise<void> {
  const servers = []
  const loads: EchoLoad[] = []
  for (const impl of IMPLS) {
    const server = await startServer(impl, 'echo')
    servers.push(server)
    const load = new EchoLoad(impl, server.child.pid)
    await load.connect(server.port)
    loads.push(load)
  }
  for (const load of loads) await echoSlice(load, 0.5)
  const slices: Record<string, EchoSlice[]> = {}
  for (let round = 0; round < SLICES; round++) {
    const order = round % 2 === 0 ? loads : [...loads].reverse()
    for (const load of order) {
      const slice = await echoSlice(load, SECONDS)
      ;(slices[load.impl] ??= []).push(slice)
      process.stderr.write(`slice ${round + 1} echo ${load.impl}: ${Math.round(slice.rate).toLocaleString('en')} msg/s, server CPU ${slice.cpuUs.toFixed(2)} µs/msg (server ${Math.round(slice.serverBusy * 100)}% busy, load generator ${Math.round(slice.loadBusy * 100)}%)\n`)
    }
  }
  for (const load of loads) load.close()
  for (const server of servers) await stopServer(server.child)
  const p = slices.portico
  const w = slices.ws
  if (p === undefined || w === undefined) return
  const rateRatio = median(p.map((s, i) => s.rate / w[i].rate))
  const cpuRatio = median(p.map((s, i) => w[i].cpuUs / s.cpuUs))
  const label = `echo (50 conns × ${DEPTH} in flight, 32 B)`
  console.log(`\n${label}, ${SLICES} slices of ${SECONDS} s per server, alternating${pin ? '; servers on CPU 0, load on CPU 1' : ''}`)
  console.log('  (medians over all slices; the machine drifts between slices, so compare the paired ratios)')
  console.log(`${'  messages/s'.padEnd(44)} portico ${Math.round(median(p.map((s) => s.rate))).toLocaleString('en').padStart(10)}  ws ${Math.round(median(w.map((s) => s.rate))).toLocaleString('en').padStart(10)}  ratio ${rateRatio.toFixed(2)}× (median of paired slices)`)
  console.log(`${'  server CPU per message'.padEnd(44)} portico ${median(p.map((s) => s.cpuUs)).toFixed(2).padStart(7)} µs  ws ${median(w.map((s) => s.cpuUs)).toFixed(2).padStart(7)} µs  ratio ${cpuRatio.toFixed(2)}× (ws CPU / Portico CPU)`)
  console.log(`${'  busy (server / load generator)'.padEnd(44)} portico ${Math.round(median(p.map((s) => s.serverBusy)) * 100)}% / ${Math.round(median(p.map((s) => s.loadBusy)) * 100)}%  ws ${Math.round(median(w.map((s) => s.serverBusy)) * 100)}% / ${Math.round(median(w.map((s) => s.loadBusy)) * 100)}%`)
}

async function broadcast(port: number): Promise<number> {
  let remaining = CLIENTS
  let finished: () => void = () => {}
  const allDone = new Promise<void>((resolve) => (finished = resolve))
  const sockets: net.Socket[] = []
  for (let i = 0; i < CLIENTS; i++) {
    let got = 0
    sockets.push(
      await connect(port, () => {
        if (++got === MESSAGES && --remaining === 0) finished()
      }),
    )
  }
  await new Promise((r) => setTimeout(r, 200))
  const t0 = process.hrtime.bigint()
  sockets[0].write(Buffer.concat(encodeFrame(1, Buffer.from(`go:${MESSAGES}:64`), { mask: true })))
  await allDone
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9
  for (const s of sockets) s.destroy()
  return (CLIENTS * MESSAGES) / elapsed
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

if (MODES.includes('echo')) await echoComparison()

const results: Record<string, number[]> = {}
if (MODES.includes('broadcast')) {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? IMPLS : [...IMPLS].reverse()
    for (const impl of order) {
      const { child, port } = await startServer(impl, 'broadcast')
      const rate = await broadcast(port)
      await stopServer(child)
      ;(results[impl] ??= []).push(rate)
      process.stderr.write(`round ${round + 1} broadcast ${impl}: ${Math.round(rate).toLocaleString('en')} deliveries/s\n`)
    }
  }
  if (results.portico !== undefined && results.ws !== undefined) {
    const p = median(results.portico)
    const w = median(results.ws)
    console.log(`\nbroadcast (${CLIENTS} clients × ${MESSAGES} msgs, 64 B), ${ROUNDS} rounds, median`)
    console.log(`${'  deliveries/s'.padEnd(44)} portico ${Math.round(p).toLocaleString('en').padStart(10)}  ws ${Math.round(w).toLocaleString('en').padStart(10)}  ratio ${(p / w).toFixed(2)}×`)
  }
}
