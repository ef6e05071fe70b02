import assert from 'node:assert/strict'
import { once } from 'node:events'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import * as net from 'node:net'
import { describe, it } from 'node:test'
import { createProxy } from 'proxy'
import * as http from 'node:http'
import { WebSocketServer } from 'ws'
import { TLSOptions } from '../../src/client/tls-options.js'
import { connectWebSocket } from '../../src/websocket/client.js'
import { FrameParser } from '../../src/websocket/frame-parser.js'
import { computeAccept } from '../../src/websocket/handshake.js'
import { selfSigned } from '../fixtures/tls.js'

/** A raw TCP server answering the handshake with `response(key)` and then `after` bytes. */
async function rawServer(response: (key: string) => string, after: Buffer = Buffer.alloc(0)) {
  const received: Buffer[] = []
  const server = net.createServer((socket) => {
    let head = ''
    socket.on('data', (chunk) => {
      if (!head.includes('\r\n\r\n')) {
        head += chunk.toString('latin1')
        if (!head.includes('\r\n\r\n')) return
        const key = /sec-websocket-key: (.*)\r\n/i.exec(head)?.[1] ?? ''
        socket.write(response(key))
        socket.write(after)
        return
      }
      received.push(chunk)
    })
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, port: (server.address() as AddressInfo).port, received }
}

const ok = (key: string, extra = ''): string =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n${extra}\r\n`

describe('WebSocket client (RFC 6455 §4.1)', () => {
  it('connects over wss: to a ws server on TLS', async () => {
    const { key, cert } = selfSigned()
    const httpsServer = https.createServer({ key, cert })
    const wss = new WebSocketServer({ server: httpsServer })
    wss.on('connection', (s) => s.on('message', (d, isBinary) => s.send(d, { binary: isBinary })))
    httpsServer.listen(0, '127.0.0.1')
    await once(httpsServer, 'listening')
    const ws = await connectWebSocket(`wss://127.0.0.1:${(httpsServer.address() as AddressInfo).port}/`, { tls: TLSOptions.client(cert) })
    await ws.send('secure')
    assert.equal(await ws.receive(), 'secure')
    await ws.close()
    wss.close()
    httpsServer.close()
  })

  it('connects through an HTTP proxy with a CONNECT tunnel', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await once(wss, 'listening')
    wss.on('connection', (s) => s.on('message', (d, isBinary) => s.send(d, { binary: isBinary })))
    const connects: string[] = []
    const proxy = createProxy(http.createServer())
    proxy.prependListener('connect', (req: http.IncomingMessage) => connects.push(String(req.url)))
    proxy.listen(0, '127.0.0.1')
    await once(proxy, 'listening')
    const port = (wss.address() as AddressInfo).port
    const ws = await connectWebSocket(`ws://127.0.0.1:${port}/`, { proxy: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` })
    await ws.send('via proxy')
    assert.equal(await ws.receive(), 'via proxy')
    assert.deepEqual(connects, [`127.0.0.1:${port}`])
    await ws.close()
    wss.close()
    proxy.closeAllConnections()
    proxy.close()
  })

  it('§4.1: fails when Sec-WebSocket-Accept does not match the key', async () => {
    const { server, port } = await rawServer(() => ok('wrong key'))
    await assert.rejects(connectWebSocket(`ws://127.0.0.1:${port}/`), (err: { code: string }) => err.code === 'PORTICO_ERR_WS_HANDSHAKE')
    server.close()
  })

  it('§4.1: fails when the server selects a subprotocol that was not offered', async () => {
    const { server, port } = await rawServer((key) => ok(key, 'Sec-WebSocket-Protocol: other\r\n'))
    await assert.rejects(connectWebSocket(`ws://127.0.0.1:${port}/`, { protocols: ['chat'] }), /not offered/)
    server.close()
  })

  it('§4.1: fails when the server accepts an extension that was not offered', async () => {
    const { server, port } = await rawServer((key) => ok(key, 'Sec-WebSocket-Extensions: permessage-deflate\r\n'))
    await assert.rejects(connectWebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false }), /not offered/)
    server.close()
  })

  it('reads frames that arrive in the same packet as the 101 response', async () => {
    const { server, port } = await rawServer((key) => ok(key), Buffer.from('810548656c6c6f', 'hex'))
    const ws = await connectWebSocket(`ws://127.0.0.1:${port}/`)
    const got = await new Promise((resolve) => ws.on('message', resolve))
    assert.equal(got, 'Hello')
    ws.terminate()
    server.close()
  })

  it('§5.3: masks every frame it sends', async () => {
    const { server, port, received } = await rawServer((key) => ok(key))
    const ws = await connectWebSocket(`ws://127.0.0.1:${port}/`)
    await ws.send('masked?')
    while (received.length === 0) await new Promise((r) => setTimeout(r, 5))
    const parser = new FrameParser({ role: 'server', maxPayload: 1000, perMessageDeflate: false })
    const frames: string[] = []
    parser.onFrame = (f) => frames.push(f.payload.toString())
    parser.push(Buffer.concat(received))
    assert.deepEqual(frames, ['masked?'])
    ws.terminate()
    server.close()
  })

  it('fails the handshake after handshakeTimeout when the server never answers', async () => {
    const { server, port } = await rawServer(() => '')
    await assert.rejects(connectWebSocket(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 100 }), (err: { code: string }) => err.code === 'PORTICO_ERR_WS_HANDSHAKE_TIMEOUT')
    server.close()
  })
})
