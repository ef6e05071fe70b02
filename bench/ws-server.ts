/**
 * The servers of `npm run bench:ws`, one process each: `node build/bench/ws-server.js
 * <portico|ws> <echo|broadcast>`. Prints `{"port":N}` once listening. In broadcast mode every
 * client is subscribed; a text message `go:<count>:<size>` from any client makes the server
 * broadcast `count` messages of `size` bytes to every client (Portico: `server.publish`, framed
 * once; ws: its idiomatic loop over `wss.clients`).
 */
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { createServer } from '../src/server/index.js'
import '../src/websocket/index.js'

const [impl, mode] = process.argv.slice(2)
process.on('SIGTERM', () => process.exit(0))

function goArgs(message: unknown): [number, string] | undefined {
  const text = String(message)
  if (!text.startsWith('go:')) return undefined
  const [, count, size] = text.split(':')
  return [Number(count), 'x'.repeat(Number(size))]
}

if (impl === 'portico') {
  const server = createServer()
  server.ws('/', (ws) => {
    if (mode === 'echo') {
      ws.on('message', (m) => void ws.send(m))
      return
    }
    ws.subscribe('all')
    ws.on('message', (m) => {
      const go = goArgs(m)
      if (go !== undefined) for (let i = 0; i < go[0]; i++) server.publish('all', go[1])
    })
  })
  await server.listen(0, '127.0.0.1')
  process.stdout.write(JSON.stringify({ port: server.getPort() }) + '\n')
} else {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      if (mode === 'echo') {
        ws.send(data, { binary: isBinary })
        return
      }
      const go = goArgs(data)
      if (go !== undefined) for (let i = 0; i < go[0]; i++) for (const client of wss.clients) client.send(go[1])
    })
  })
  wss.on('listening', () => process.stdout.write(JSON.stringify({ port: (wss.address() as AddressInfo).port }) + '\n'))
}
