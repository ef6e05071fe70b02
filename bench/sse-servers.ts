/**
 * The servers measured by `bench/sse.ts`, each run in its own child process so its RSS is its
 * own: Portico (`res.startSSE()` + `server.broadcast`) and a plain `node:http` SSE server.
 * Commands come over IPC: `broadcast` (n events of `size` bytes, yielding to the event loop
 * every `batch` events), then the child reports its peak RSS.
 * @module
 */
import { createServer as createNodeServer, type ServerResponse } from 'node:http'
import '../src/sse/install.js'
import { createServer } from '../src/server/server.js'

export type ServerKind = 'portico' | 'node'

export interface BroadcastCommand {
  type: 'broadcast'
  events: number
  size: number
  batch: number
}

interface Harness {
  port: number
  connected(): number
  broadcast(data: string): void
}

async function startNode(): Promise<Harness> {
  const clients = new Set<ServerResponse>()
  const server = createNodeServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' })
    res.flushHeaders()
    clients.add(res)
    req.on('close', () => clients.delete(res))
  })
  server.keepAliveTimeout = 0
  server.requestTimeout = 0
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const addr = server.address()
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : 0,
    connected: () => clients.size,
    broadcast(data) {
      const bytes = Buffer.from('data: ' + data + '\n\n')
      for (const res of clients) res.write(bytes)
    },
  }
}

async function startPortico(): Promise<Harness> {
  const server = createServer()
  server.get('/events', (_req, res) => {
    res.startSSE({ heartbeatMs: 0 })
  })
  await server.listen(0, '127.0.0.1')
  return {
    port: server.getPort(),
    connected: () => server.getActiveSseConnections().length,
    broadcast(data) {
      server.broadcast(undefined, '', data)
    },
  }
}

async function main(kind: ServerKind): Promise<void> {
  const h = kind === 'node' ? await startNode() : await startPortico()
  let peak = process.memoryUsage.rss()
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 20)
  const send = (msg: unknown): void => {
    process.send?.(msg)
  }
  process.on('message', (msg: BroadcastCommand | { type: 'rss' } | { type: 'exit' } | { type: 'count' }) => {
    if (msg.type === 'exit') process.exit(0)
    if (msg.type === 'count') send({ type: 'count', connected: h.connected() })
    if (msg.type === 'rss') {
      peak = Math.max(peak, process.memoryUsage.rss())
      send({ type: 'rss', rss: process.memoryUsage.rss(), peak })
    }
    if (msg.type === 'broadcast') {
      const payload = 'x'.repeat(msg.size)
      let sent = 0
      const step = (): void => {
        for (let i = 0; i < msg.batch && sent < msg.events; i++, sent++) h.broadcast(payload)
        peak = Math.max(peak, process.memoryUsage.rss())
        if (sent < msg.events) setImmediate(step)
        else send({ type: 'broadcast-done' })
      }
      step()
    }
  })
  send({ type: 'ready', port: h.port })
  sample.unref()
}

const kind = process.argv[2]
if (kind === 'portico' || kind === 'node') void main(kind)
