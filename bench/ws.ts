/**
 * `npm run bench:ws`: Portico's WebSocket server against `ws`, the same load generator for
 * both (raw sockets, pre-masked frames, a frame counter reading headers only), each server in its own
 * process (pinned to CPU 0 when `taskset` exists, the load generator on CPU 1).
 *
 * - echo: 50 connections ping-ponging a 32-byte text message; messages per second.
 * - broadcast: 1,000 clients; the server sends 1,000 messages of 64 bytes to every one of them;
 *   deliveries per second until every client has all of them.
 *
 * Options (environment): BENCH_DEPTH (echo messages in flight per connection, default 1: a
 * strict ping-pong, which on 2 cores is bound by the load generator), BENCH_IMPLS (portico,ws), BENCH_MODES (echo,broadcast), BENCH_NODE_ARGS
 * (for the server processes, e.g. `--cpu-prof`), BENCH_SECONDS (echo duration, default 5), BENCH_ROUNDS (default 3),
 * BENCH_CLIENTS (broadcast clients, 1000), BENCH_MESSAGES (broadcast messages, 1000).
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

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
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

/** A raw WebSocket client connection: handshake by hand, then `onFrame` per frame. */
function connect(port: number, onFrame: () => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.setNoDelay(true)
    socket.on('error', reject)
    const count = frameCounter(onFrame)
    let head: Buffer | undefined = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      if (head !== undefined) {
        head = Buffer.concat([head, chunk])
        const end = head.indexOf('\r\n\r\n')
        if (end === -1) return
        const rest = head.subarray(end + 4)
        head = undefined
        resolve(socket)
        if (rest.length > 0) count(rest)
        return
      }
      count(chunk)
    })
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
  })
}

/** Server CPU µs per echoed message in the last echo run (the generator's limit cannot hide it). */
let lastEchoCpuUs = Number.NaN

async function echo(port: number, pid: number | undefined): Promise<number> {
  const one = Buffer.concat(encodeFrame(1, Buffer.from('0123456789abcdef0123456789abcdef'), { mask: true }))
  const frames = [Buffer.alloc(0)]
  for (let n = 1; n <= DEPTH * 4; n++) frames.push(Buffer.concat(Array.from({ length: n }, () => one)))
  let count = 0
  let running = true
  const sockets: net.Socket[] = []
  for (let i = 0; i < 50; i++) {
    let due = 0
    let scheduled = false
    const socket: net.Socket = await connect(port, () => {
      count++
      if (!running) return
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
    sockets.push(socket)
  }
  for (const s of sockets) s.write(frames[DEPTH])
  await new Promise((r) => setTimeout(r, 1000))
  const start = count
  const cpu0 = procCpuSeconds(pid ?? -1)
  const t0 = process.hrtime.bigint()
  await new Promise((r) => setTimeout(r, SECONDS * 1000))
  const done = count - start
  lastEchoCpuUs = ((procCpuSeconds(pid ?? -1) - cpu0) * 1e6) / done
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9
  running = false
  for (const s of sockets) s.destroy()
  return done / elapsed
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

const results: Record<string, Record<string, number[]>> = { echo: {}, broadcast: {} }
const echoCpu: Record<string, number[]> = {}
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of MODES) {
    const order = round % 2 === 0 ? IMPLS : [...IMPLS].reverse()
    for (const impl of order) {
      const { child, port } = await startServer(impl, mode)
      const rate = mode === 'echo' ? await echo(port, child.pid) : await broadcast(port)
      await stopServer(child)
      ;(results[mode][impl] ??= []).push(rate)
      if (mode === 'echo') (echoCpu[impl] ??= []).push(lastEchoCpuUs)
      const cpu = mode === 'echo' ? `, server CPU ${lastEchoCpuUs.toFixed(2)} µs/msg` : ''
      process.stderr.write(`round ${round + 1} ${mode} ${impl}: ${Math.round(rate).toLocaleString('en')} msg/s${cpu}\n`)
    }
  }
}
console.log(`\nWebSocket servers, ${ROUNDS} rounds, median${pin ? ', server on CPU 0, load on CPU 1' : ''}`)
for (const mode of MODES) {
  if (results[mode].portico === undefined || results[mode].ws === undefined) continue
  const p = median(results[mode].portico)
  const w = median(results[mode].ws)
  const label = mode === 'echo' ? `echo (50 conns × ${DEPTH} in flight, 32 B)` : `broadcast (${CLIENTS} clients × ${MESSAGES} msgs, 64 B)`
  console.log(`${label.padEnd(44)} portico ${Math.round(p).toLocaleString('en').padStart(10)}  ws ${Math.round(w).toLocaleString('en').padStart(10)}  ratio ${(p / w).toFixed(2)}×`)
}
if (echoCpu.portico !== undefined && echoCpu.ws !== undefined) {
  const p = median(echoCpu.portico)
  const w = median(echoCpu.ws)
  console.log(`${'echo: server CPU per message'.padEnd(44)} portico ${p.toFixed(2).padStart(7)} µs  ws ${w.toFixed(2).padStart(7)} µs  ratio ${(w / p).toFixed(2)}× (ws CPU / Portico CPU)`)
}
