/**
 * Flow control of a WebSocket's reading side: `receive()` against asynchronous inflation, TCP
 * backpressure while inflating, a full inbox and the heartbeat, the end of the connection
 * during an inflation, and topic publishes that a slow consumer drops.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import * as net from 'node:net'
import { describe, it } from 'node:test'
import { deflateRawSync, constants as zlibConstants } from 'node:zlib'
import { connectWebSocket } from '../../src/websocket/client.js'
import { encodeFrame } from '../../src/websocket/frame-writer.js'
import type { FrameParser } from '../../src/websocket/frame-parser.js'
import { TopicRegistry } from '../../src/websocket/topics.js'
import type { WebSocket } from '../../src/websocket/websocket.js'
import type { AcceptOptions } from '../../src/websocket/accept.js'
import { rawClient, startUpgradeServer, type RawClient } from './helpers.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A compressed text frame body (RFC 7692 §7.2.1: the trailing 00 00 ff ff removed). */
function compressed(text: string | Buffer): Buffer {
  const out = deflateRawSync(text, { finishFlush: zlibConstants.Z_SYNC_FLUSH })
  return out.subarray(0, out.length - 4)
}

/** Runs `test` with a server-side WebSocket and a raw client (with `extraHeaders`). */
async function withPeer(options: AcceptOptions, extraHeaders: string, test: (client: RawClient, ws: WebSocket) => Promise<void>): Promise<void> {
  let resolveWs: (ws: WebSocket) => void = () => {}
  const wsPromise = new Promise<WebSocket>((resolve) => (resolveWs = resolve))
  const server = await startUpgradeServer(options, (ws) => resolveWs(ws))
  const client = await rawClient(server.port, extraHeaders)
  try {
    await test(client, await wsPromise)
  } finally {
    client.socket.destroy()
    await server.close()
  }
}

describe('WebSocket flow control', () => {
  it('RFC 7692: a for-await loop over a context-takeover connection gets every message, in order', async () => {
    let resolveWs: (ws: WebSocket) => void = () => {}
    const wsPromise = new Promise<WebSocket>((resolve) => (resolveWs = resolve))
    const server = await startUpgradeServer({ perMessageDeflate: true }, (ws) => resolveWs(ws))
    const client = await connectWebSocket(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: true })
    try {
      const ws = await wsPromise
      const expected = (i: number): string => (i % 2 === 1 ? `big${i}` + 'x'.repeat(50_000) : `small${i}`)
      const count = 80
      for (let i = 0; i < count; i++) void client.send(expected(i))
      let i = 0
      for await (const message of ws) {
        assert.equal(message, expected(i), `message ${i}`)
        // Some asynchronous work per message, so receive() often finds the inbox empty.
        await new Promise((resolve) => setImmediate(resolve))
        if (++i === count) break
      }
      assert.equal(i, count)
    } finally {
      client.terminate()
      await server.close()
    }
  })

  it('stops reading the socket while bytes pile up behind an inflation (TCP backpressure)', async () => {
    await withPeer({ perMessageDeflate: true, receiveHighWaterMark: 64 * 1024 }, 'Sec-WebSocket-Extensions: permessage-deflate\r\n', async (client, ws) => {
      let messages = 0
      ws.on('message', () => messages++)
      const parser = (ws as unknown as { parser: FrameParser }).parser
      let most = 0
      const timer = setInterval(() => (most = Math.max(most, parser.bufferedBytes)), 1)
      const body = compressed(Buffer.alloc(4_000_000, 'a'))
      const frame = Buffer.concat(encodeFrame(1, body, { mask: true, rsv1: true }))
      client.socket.write(Buffer.concat(Array.from({ length: 300 }, () => frame)))
      while (messages < 300) await sleep(20)
      clearInterval(timer)
      // One 64 KiB read past the mark at most, never the 1.2 MB that was sent.
      assert.ok(most < 64 * 1024 + 128 * 1024, `parser held ${most} bytes`)
    })
  })

  it('an inflation that ends after the socket closed delivers nothing; receive() answers null', async () => {
    await withPeer({ perMessageDeflate: true }, 'Sec-WebSocket-Extensions: permessage-deflate\r\n', async (client, ws) => {
      const events: string[] = []
      ws.on('message', (m) => events.push(`message ${String(m).length}`))
      ws.on('close', (code) => events.push(`close ${code}`))
      client.sendFrame(1, compressed(Buffer.alloc(15_000_000, 'abcdefgh')), { rsv1: true })
      await sleep(5)
      client.socket.destroy()
      await ws.closed
      await sleep(300)
      assert.deepEqual(events, ['close 1006'])
      assert.equal(await ws.receive(), null)
    })
  })

  it('receiveHighWaterMark 0 holds one message at a time and reads on after each receive()', async () => {
    await withPeer({ receiveHighWaterMark: 0 }, '', async (client, ws) => {
      client.sendFrame(1, 'a')
      client.sendFrame(1, 'b')
      client.sendFrame(1, 'c')
      await sleep(50)
      assert.deepEqual([await ws.receive(), await ws.receive(), await ws.receive()], ['a', 'b', 'c'])
    })
  })

  it('the heartbeat keeps a peer whose pongs wait unread because the server stopped reading', async () => {
    await withPeer({ heartbeat: 60, receiveHighWaterMark: 100 }, '', async (client, ws) => {
      // The raw client answers no pings, but it fills the inbox first: the server is not reading.
      for (let i = 0; i < 20; i++) client.sendFrame(1, 'x'.repeat(50))
      await sleep(400)
      assert.equal(ws.readyState, 1)
      assert.equal(await ws.receive(), 'x'.repeat(50))
    })
  })

  it('answers frames that arrived with the handshake even when the peer half-closed at once', async () => {
    const server = await startUpgradeServer({}, (ws) => ws.on('message', (m) => void ws.send(m)))
    const socket = net.connect(server.port, '127.0.0.1')
    try {
      const handshake = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
      // The head, a message and the FIN in one go: all of it reaches the server before it parses.
      socket.end(Buffer.concat([Buffer.from(handshake), ...encodeFrame(1, Buffer.from('early'), { mask: true })]))
      const chunks: Buffer[] = []
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      await once(socket, 'end')
      const all = Buffer.concat(chunks)
      const body = all.subarray(all.indexOf('\r\n\r\n') + 4)
      assert.equal(body.subarray(0, 7).toString('latin1'), '\x81\x05early')
    } finally {
      socket.destroy()
      await server.close()
    }
  })

  it('a topic publish does not count a subscriber whose slow-consumer policy dropped it', async () => {
    const topics = new TopicRegistry()
    await withPeer({ perMessageDeflate: { threshold: 10 }, highWaterMark: 1000, slowConsumer: 'drop' }, 'Sec-WebSocket-Extensions: permessage-deflate\r\n', async (client, ws) => {
      ws.topics = topics
      ws.subscribe('t')
      client.socket.pause()
      const big = 'z'.repeat(200_000)
      assert.equal(topics.publish('t', big), 1)
      const buffered = ws.bufferedAmount
      assert.ok(buffered > 0)
      assert.equal(topics.publish('t', big), 0)
      assert.equal(ws.bufferedAmount, buffered)
    })
  })
})

