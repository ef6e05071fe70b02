/**
 * One Portico instance for `bench/hub.ts` (a forked child): SSE clients on `/events` join
 * channel `bench`. argv[2]: `none` (no hub), `pubsub` (Redis hub) or `streams` (Redis hub and
 * Redis Streams replay store). On `{ publish, rate }` it broadcasts that many events, each
 * carrying its send time (`process.hrtime.bigint()`, one clock for every process of the machine).
 * @module
 */
import '../../src/sse/install.js'
import { createServer } from '../../src/server/server.js'
import { redisHub } from '../../src/hub/redis-hub.js'
import { attachHub } from '../../src/hub/attach.js'

const mode = process.argv[2] ?? 'none'
const server = createServer({ maxConnections: 20_000 })
server.on('serverError', (message: string, error: unknown) => console.error('instance:', message, error))
const hub = mode === 'none' ? undefined : await redisHub({ url: process.env.REDIS_URL, prefix: 'bench:' })
if (hub !== undefined) attachHub(server, hub, mode === 'streams' ? { replay: hub.replayStore({ maxLen: 1000 }) } : {})

server.get('/events', (_req, res) => {
  res.startSSE({ heartbeatMs: 0, highWaterMark: 8 * 1024 * 1024 }).join('bench')
})

await server.listen(0, '127.0.0.1')
process.send?.({ type: 'ready', port: server.getPort() })

process.on('message', (msg: { type: string; events?: number; rate?: number }) => {
  if (msg.type === 'stop') {
    void server.stop({ graceful: false }).then(() => hub?.close()).then(() => process.exit(0))
    return
  }
  if (msg.type !== 'publish') return
  const total = msg.events ?? 100
  const perTick = Math.max(1, Math.round((msg.rate ?? 500) / 100))
  let sent = 0
  const timer = setInterval(() => {
    for (let i = 0; i < perTick && sent < total; i++, sent++) server.broadcast('bench', 'tick', String(process.hrtime.bigint()))
    if (sent >= total) {
      clearInterval(timer)
      process.send?.({ type: 'published' })
    }
  }, 10)
})
