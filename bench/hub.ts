/**
 * `npm run bench:hub`: SSE broadcast across processes through the Redis hub.
 *
 * Starts its own `redis-server` (free port, no persistence), then for each mode:
 * - `single`: one Portico process, no hub, HUB_CLIENTS × 2 clients (the same fan-out, one process);
 * - `pubsub`: two processes × HUB_CLIENTS SSE clients on a Redis hub (plain pub/sub);
 * - `streams`: the same with the Redis Streams replay store (XADD + PUBLISH in one script).
 * Events (HUB_EVENTS, default 1000, at HUB_RATE per second, default 500) are published on the
 * first process. Reports delivered events/s (deliveries / time from the first publish to the
 * last delivery) and p50/p99 publish-to-delivery latency, sampled on 1 client in 50.
 *
 * Quick run: `HUB_CLIENTS=200 HUB_EVENTS=200 npm run bench:hub`.
 * @module
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { connect, createServer, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'

const CLIENTS = Number(process.env.HUB_CLIENTS ?? 1000)
const EVENTS = Number(process.env.HUB_EVENTS ?? 1000)
const RATE = Number(process.env.HUB_RATE ?? 500)
const MODES = (process.env.HUB_MODES ?? 'single,pubsub,streams').split(',')
const SAMPLE_EVERY = 50
const INSTANCE = fileURLToPath(new URL('./hub/instance.js', import.meta.url))
const DATA = Buffer.from('data: ')

interface Instance {
  proc: ChildProcess
  port: number
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

async function startRedis(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort()
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('Ready to accept connections')) resolve()
    })
    proc.once('exit', () => reject(new Error('redis-server failed: ' + out)))
  })
  proc.stdout!.resume()
  return { url: `redis://127.0.0.1:${port}`, proc }
}

function startInstance(mode: string, redisUrl: string): Promise<Instance> {
  const proc = fork(INSTANCE, [mode], { stdio: 'inherit', env: { ...process.env, REDIS_URL: redisUrl } })
  return new Promise((resolve, reject) => {
    proc.once('error', reject)
    proc.once('message', (m: { port: number }) => resolve({ proc, port: m.port }))
  })
}

/** An SSE client counting events; one in SAMPLE_EVERY also parses send times for latency. */
class Client {
  count = 0
  lastAt = 0n
  private tail = ''
  constructor(socket: Socket, private readonly latencies: number[] | undefined) {
    socket.on('data', (chunk: Buffer) => this.feed(chunk))
    socket.on('error', () => {})
  }

  private feed(chunk: Buffer): void {
    const now = process.hrtime.bigint()
    this.lastAt = now
    if (this.latencies === undefined) {
      for (let i = chunk.indexOf(DATA); i !== -1; i = chunk.indexOf(DATA, i + 6)) this.count++
      return
    }
    const text = this.tail + chunk.toString('latin1')
    const lines = text.split('\n')
    this.tail = lines.pop() ?? ''
    for (const line of lines) {
      if (!line.startsWith('data: ')) continue
      this.count++
      this.latencies.push(Number(now - BigInt(line.slice(6))) / 1e6)
    }
  }
}

function open(port: number, latencies: number[] | undefined): Promise<{ socket: Socket; client: Client }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.write('GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n')
      resolve({ socket, client: new Client(socket, latencies) })
    })
    socket.once('error', reject)
  })
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

async function run(mode: string, redisUrl: string): Promise<string> {
  const instances = mode === 'single' ? [await startInstance('none', redisUrl)] : [await startInstance(mode, redisUrl), await startInstance(mode, redisUrl)]
  const perInstance = mode === 'single' ? CLIENTS * 2 : CLIENTS
  const latencies: number[] = []
  const sockets: Socket[] = []
  const clients: Client[] = []
  for (const inst of instances) {
    for (let i = 0; i < perInstance; i++) {
      const { socket, client } = await open(inst.port, i % SAMPLE_EVERY === 0 ? latencies : undefined)
      sockets.push(socket)
      clients.push(client)
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500))
  const started = process.hrtime.bigint()
  instances[0].proc.send({ type: 'publish', events: EVENTS, rate: RATE })
  const expected = EVENTS * clients.length
  const deadline = Date.now() + 30_000 + (EVENTS / RATE) * 1000
  let delivered = 0
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    delivered = clients.reduce((n, c) => n + c.count, 0)
    if (delivered >= expected) break
  }
  const last = clients.reduce((m, c) => (c.lastAt > m ? c.lastAt : m), 0n)
  const seconds = Number(last - started) / 1e9
  latencies.sort((a, b) => a - b)
  for (const s of sockets) s.destroy()
  for (const inst of instances) inst.proc.send({ type: 'stop' })
  await Promise.all(instances.map((inst) => new Promise((resolve) => inst.proc.once('exit', resolve))))
  const shape = mode === 'single' ? `1 process × ${perInstance}` : `2 processes × ${perInstance}`
  const lost = expected - delivered
  return `${mode.padEnd(8)} ${shape.padEnd(20)} ${Math.round(delivered / seconds).toLocaleString('en').padStart(12)} events/s   p50 ${percentile(latencies, 50).toFixed(2)} ms   p99 ${percentile(latencies, 99).toFixed(2)} ms${lost > 0 ? `   LOST ${lost}` : ''}`
}

const redis = await startRedis()
try {
  console.log(`hub bench: ${EVENTS} events at ${RATE}/s, published on the first process; latency sampled on 1 client in ${SAMPLE_EVERY}`)
  for (const mode of MODES) console.log(await run(mode, redis.url))
} finally {
  redis.proc.kill('SIGKILL')
}
