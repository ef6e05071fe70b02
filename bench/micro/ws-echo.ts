/**
 * The JavaScript cost of one WebSocket echo, without the kernel: a masked 32-byte text frame is
 * handed to the server's socket `'data'` listener, the server echoes it, and its write lands in
 * an in-memory Duplex. Portico's `WebSocket` against `ws`'s (given the same socket through its
 * `setSocket`), interleaved rounds, nanoseconds per message. The socket syscalls both pay in
 * real life (about half of a real echo's CPU) are not in these figures.
 * Run: `tsc -p tsconfig.json && node build/bench/micro/ws-echo.js [rounds]`.
 */
import { Duplex } from 'node:stream'
import { WebSocket as WsSocket } from 'ws'
import { encodeFrame } from '../../src/websocket/frame-writer.js'
import { WebSocket } from '../../src/websocket/websocket.js'

const ROUNDS = Number(process.argv[2] ?? 7)
const MESSAGES = 200_000

/** A socket whose writes complete at once and are counted. */
class MemorySocket extends Duplex {
  written = 0
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.written += chunk.length
    callback()
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: () => void): void {
    for (const c of chunks) this.written += c.chunk.length
    callback()
  }
  setNoDelay(): this {
    return this
  }
  setTimeout(): this {
    return this
  }
}

const frame = Buffer.concat(encodeFrame(1, Buffer.from('0123456789abcdef0123456789abcdef'), { mask: true }))

function portico(): MemorySocket {
  const socket = new MemorySocket()
  const ws = new WebSocket(socket, { role: 'server' })
  ws.on('message', (m) => void ws.send(m))
  return socket
}

function wsLib(): MemorySocket {
  const socket = new MemorySocket()
  const ws = new (WsSocket as unknown as new (address: null, protocols: undefined, options: object) => WsSocket & { setSocket(s: Duplex, head: Buffer, o: object): void })(null, undefined, { autoPong: true, closeTimeout: 30000 })
  ws.setSocket(socket, Buffer.alloc(0), { maxPayload: 100 * 1024 * 1024, skipUTF8Validation: false, allowSynchronousEvents: true })
  ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }))
  return socket
}

/** Nanoseconds per echoed message. */
async function measure(socket: MemorySocket): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve))
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < MESSAGES; i++) {
    socket.emit('data', Buffer.from(frame))
    // Let each implementation's deferred work (write callbacks, ticks) run, as between reads.
    if ((i & 63) === 63) await new Promise((resolve) => setImmediate(resolve))
  }
  await new Promise((resolve) => setImmediate(resolve))
  const ns = Number(process.hrtime.bigint() - t0) / MESSAGES
  if (socket.written < MESSAGES * 34) throw new Error(`only ${socket.written} bytes echoed`)
  return ns
}

const results: Record<string, number[]> = { portico: [], ws: [] }
const sockets = { portico: portico(), ws: wsLib() }
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 === 0 ? (['portico', 'ws'] as const) : (['ws', 'portico'] as const)) {
    sockets[name].written = 0
    results[name].push(await measure(sockets[name]))
  }
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]
const p = median(results.portico)
const w = median(results.ws)
console.log(`echo JS cost per message (no syscalls), median of ${ROUNDS}: portico ${p.toFixed(0)} ns, ws ${w.toFixed(0)} ns, ratio ${(w / p).toFixed(2)}× (ws / Portico)`)
