/**
 * Server-engine micro-benchmark (`npm run bench:engine`): the JavaScript cost of one request
 * through Portico's engine (parser, connection, routing, handler, head writer, output queue)
 * with no socket and no syscall, in nanoseconds per request. The wrk benchmark
 * (`npm run bench`) is dominated by the kernel's loopback work, which hides engine changes
 * smaller than its run-to-run noise; this one shows them.
 *
 * Scenarios: `GET /` → "Hello, World!" and `GET /users/42` → JSON, one request per read and
 * 10 pipelined requests per read, the wrk request head as bytes.
 *
 * Options: `--rounds N` (default 5), `--requests N` per round (default 500 000).
 */
import { EventEmitter } from 'node:events'
import { createServer } from '../../src/server/index.js'

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i !== -1 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback
}

const ROUNDS = Number(flag('rounds', '5'))
const REQUESTS = Number(flag('requests', '500000'))

/** A duplex stand-in that swallows writes: the engine's writes cost their JS only. */
class NullSocket extends EventEmitter {
  writableLength = 0
  written = 0
  write(data: string | Uint8Array): boolean {
    this.written += data.length
    return true
  }
  pause(): this {
    return this
  }
  resume(): this {
    return this
  }
  end(): this {
    return this
  }
  destroy(): this {
    return this
  }
  cork(): void {}
  uncork(): void {}
  setNoDelay(): this {
    return this
  }
}

const server = createServer()
server.get('/', () => 'Hello, World!')
server.get('/users/{id}', (req) => ({ id: req.params.id }))

/** Median nanoseconds per request for `path`, `pipeline` requests per read. */
function measure(path: string, pipeline: number): number {
  const socket = new NullSocket()
  server.serve(socket as unknown as import('node:stream').Duplex)
  const head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n`
  const bytes = Buffer.from(head.repeat(pipeline), 'latin1')
  const reads = Math.ceil(REQUESTS / pipeline)
  for (let i = 0; i < reads / 2; i++) socket.emit('data', bytes)
  const samples: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < reads; i++) socket.emit('data', bytes)
    samples.push(Number(process.hrtime.bigint() - t0) / (reads * pipeline))
  }
  if (socket.written === 0) throw new Error(`no answer for ${path}`)
  socket.emit('close')
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]
}

console.log('scenario                 ns/request (median)')
for (const [label, path, pipeline] of [
  ['GET /', '/', 1],
  ['GET /users/42', '/users/42', 1],
  ['GET / pipelined x10', '/', 10],
] as const) {
  console.log(`${label.padEnd(24)} ${measure(path, pipeline).toFixed(0).padStart(8)}`)
}
process.exit(0)
