import assert from 'node:assert/strict'
import { once } from 'node:events'
import * as net from 'node:net'
import { afterEach, describe, it } from 'node:test'
import { WebSocket as WsClient } from 'ws'
import { HttpError } from '../../src/errors.js'
import { createServer, type Server } from '../../src/server/index.js'
import { connectWebSocket } from '../../src/websocket/index.js'

const running = new Set<Server>()

async function started(setup: (s: Server) => void, options = {}): Promise<Server> {
  const server = createServer(options)
  running.add(server)
  server.on('serverError', () => {})
  setup(server)
  await server.listen(0, '127.0.0.1')
  return server
}

function url(server: Server, path: string): string {
  return `ws://127.0.0.1:${server.getPort()}${path}`
}

/** The raw response head to a hand-written request. */
async function rawHead(server: Server, request: string): Promise<string> {
  const socket = net.connect(server.getPort(), '127.0.0.1')
  socket.write(request)
  let data = ''
  socket.setEncoding('latin1')
  for await (const chunk of socket) {
    data += chunk
    if (data.includes('\r\n\r\n')) break
  }
  socket.destroy()
  return data
}

describe('WebSockets over Portico’s server', () => {
  // A failed assertion must not leave a server running (the file would never end).
  afterEach(async () => {
    for (const server of running) if (server.isListening()) await server.stop({ graceful: false, timeout: 500 })
    running.clear()
  })

  it('server.ws echoes with the receive() loop of the Toit tutorial', async () => {
    const server = await started((s) =>
      s.ws('/ws', async (ws) => {
        let message
        while ((message = await ws.receive()) !== null) await ws.send(message)
      }),
    )
    const client = await connectWebSocket(url(server, '/ws'))
    await client.send('hello')
    assert.equal(await client.receive(), 'hello')
    await client.close()
    await server.stop()
  })

  it('answers the frames sent with the handshake by a peer that half-closed at once', async () => {
    const server = await started((s) => s.ws('/echo', (ws) => ws.on('message', (m) => void ws.send(m))))
    const socket = net.connect(server.getPort(), '127.0.0.1')
    const head = 'GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
    // 'early', masked with the key 00 00 00 00, then the FIN: all before the server parses a frame.
    socket.end(Buffer.concat([Buffer.from(head), Buffer.from([0x81, 0x85, 0, 0, 0, 0]), Buffer.from('early')]))
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    await once(socket, 'close')
    const all = Buffer.concat(chunks)
    assert.match(all.toString('latin1'), /^HTTP\/1\.1 101 /)
    assert.equal(all.subarray(all.indexOf('\r\n\r\n') + 4).subarray(0, 7).toString('latin1'), '\x81\x05early')
  })

  it('res.upgradeWebSocket inside a route sees path parameters and middlewares first', async () => {
    const server = await started((s) => {
      s.use(async (_req, res, next) => {
        res.setHeader('X-Seen', '1')
        await next()
      })
      s.get('/rooms/{id:int}', (req, res) => {
        const ws = res.upgradeWebSocket()
        void ws.send(`room ${req.params.id + 1}`)
      })
    })
    const client = await connectWebSocket(url(server, '/rooms/41'))
    assert.equal(await client.receive(), 'room 42')
    await client.close()
    await server.stop()
  })

  it('refuses the upgrade before the handshake when accept() says so (authentication)', async () => {
    const server = await started((s) => s.ws('/private', () => {}, { accept: (req) => req.getHeader('authorization') === 'Bearer ok' || [401, 'Unauthorized'] }))
    await assert.rejects(connectWebSocket(url(server, '/private')), (err: { status: number }) => err.status === 401)
    const ok = await connectWebSocket(url(server, '/private'), { headers: { Authorization: 'Bearer ok' } })
    await ok.close()
    await server.stop()
  })

  it('lets a handler refuse with HttpError before upgrading', async () => {
    const server = await started((s) =>
      s.get('/ws', (req, res) => {
        if (req.getQueryParam('token') !== 'x') throw new HttpError(403, 'No')
        res.upgradeWebSocket()
      }),
    )
    await assert.rejects(connectWebSocket(url(server, '/ws')), (err: { status: number }) => err.status === 403)
    const ok = await connectWebSocket(url(server, '/ws?token=x'))
    await ok.close()
    await server.stop()
  })

  it('§4.2.1: answers a plain GET on a WebSocket route with 426 and Sec-WebSocket-Version: 13', async () => {
    const server = await started((s) => s.ws('/ws', () => {}))
    const head = await rawHead(server, 'GET /ws HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.match(head, /^HTTP\/1\.1 426 /)
    assert.match(head, /\r\nSec-WebSocket-Version: 13\r\n/i)
    await server.stop()
  })

  it('§4.4: answers version 8 with 426 and Sec-WebSocket-Version: 13', async () => {
    const server = await started((s) => s.ws('/ws', () => {}))
    const head = await rawHead(
      server,
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n',
    )
    assert.match(head, /^HTTP\/1\.1 426 /)
    assert.match(head, /\r\nSec-WebSocket-Version: 13\r\n/i)
    await server.stop()
  })

  it('§4.2.1: answers a bad key with 400', async () => {
    const server = await started((s) => s.ws('/ws', () => {}))
    const head = await rawHead(
      server,
      'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    assert.match(head, /^HTTP\/1\.1 400 /)
    await server.stop()
  })

  it('refuses a foreign Origin with 403 (cross-site WebSocket hijacking)', async () => {
    const server = await started((s) => s.ws('/ws', () => {}, { origin: ['http://good.example'] }))
    await assert.rejects(connectWebSocket(url(server, '/ws'), { origin: 'http://evil.example' }), (err: { status: number }) => err.status === 403)
    const ok = await connectWebSocket(url(server, '/ws'), { origin: 'http://good.example' })
    await ok.close()
    await server.stop()
  })

  it('server.publish reaches every subscriber, compressed once for no-context-takeover clients', async () => {
    const server = await started((s) =>
      s.ws('/ws', (ws) => ws.subscribe('chat'), { perMessageDeflate: { serverNoContextTakeover: true, threshold: 10 } }),
    )
    const plain = await connectWebSocket(url(server, '/ws'), { perMessageDeflate: false })
    const deflated = await connectWebSocket(url(server, '/ws'))
    const peer = new WsClient(url(server, '/ws'), { perMessageDeflate: true })
    await once(peer, 'open')
    assert.equal(deflated.extensions, 'permessage-deflate; server_no_context_takeover')
    while (server.topics.subscriberCount('chat') < 3) await new Promise((r) => setTimeout(r, 5))
    const text = 'broadcast message '.repeat(20)
    const fromPeer = once(peer, 'message')
    assert.equal(server.publish('chat', text), 3)
    assert.equal(await plain.receive(), text)
    assert.equal(await deflated.receive(), text)
    assert.equal(String((await fromPeer)[0]), text)
    peer.terminate()
    await plain.close()
    await deflated.close()
    await server.stop()
  })

  it('a socket leaves its topics when it closes', async () => {
    const server = await started((s) => s.ws('/ws', (ws) => ws.subscribe('t')))
    const client = await connectWebSocket(url(server, '/ws'))
    while (server.topics.subscriberCount('t') < 1) await new Promise((r) => setTimeout(r, 5))
    await client.close()
    while (server.webSockets.size > 0) await new Promise((r) => setTimeout(r, 5))
    assert.equal(server.topics.subscriberCount('t'), 0)
    await server.stop()
  })

  it('stop() closes every WebSocket with 1001 (going away)', async () => {
    const server = await started((s) => s.ws('/ws', () => {}))
    const a = await connectWebSocket(url(server, '/ws'))
    const b = new WsClient(url(server, '/ws'))
    await once(b, 'open')
    const bClosed = once(b, 'close')
    await server.stop()
    await a.closed
    assert.equal(a.closeCode, 1001)
    assert.equal((await bClosed)[0], 1001)
  })

  it('a WebSocket handler holds a maxConcurrentRequests slot while its loop runs (Toit max-tasks)', async () => {
    const server = await started((s) => s.ws('/ws', async (ws) => {
      for await (const m of ws) await ws.send(m)
    }), { maxConcurrentRequests: 1 })
    const first = await connectWebSocket(url(server, '/ws'))
    let secondOpen = false
    const second = connectWebSocket(url(server, '/ws')).then((ws) => {
      secondOpen = true
      return ws
    })
    await first.send('ping')
    assert.equal(await first.receive(), 'ping')
    assert.equal(secondOpen, false)
    await first.close()
    const ws2 = await second
    await ws2.send('next')
    assert.equal(await ws2.receive(), 'next')
    await ws2.close()
    await server.stop()
  })

  it('closes with 1011 and reports serverError when a ws handler throws', async () => {
    const server = await started((s) => s.ws('/ws', () => {
      throw new Error('handler bug')
    }))
    const errors: string[] = []
    server.on('serverError', (message) => errors.push(message))
    const client = await connectWebSocket(url(server, '/ws'))
    await client.closed
    assert.equal(client.closeCode, 1011)
    assert.equal(errors.length, 1)
    await server.stop()
  })
})
