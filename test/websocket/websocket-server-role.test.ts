import assert from 'node:assert/strict'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import { deflateRawSync } from 'node:zlib'
import { isPorticoError } from '../../src/errors.js'
import type { AcceptOptions } from '../../src/websocket/accept.js'
import type { WebSocket } from '../../src/websocket/websocket.js'
import { encodeFrame } from '../../src/websocket/frame-writer.js'
import { closeCodeOf, rawClient, startUpgradeServer, type RawClient } from './helpers.js'

/** Starts a server, connects a raw client, runs the test, closes everything. */
async function withPeer(options: AcceptOptions, test: (client: RawClient, ws: WebSocket) => Promise<void>): Promise<void> {
  let resolveWs: (ws: WebSocket) => void = () => {}
  const wsPromise = new Promise<WebSocket>((resolve) => (resolveWs = resolve))
  const server = await startUpgradeServer(options, (ws) => resolveWs(ws))
  const client = await rawClient(server.port)
  try {
    await test(client, await wsPromise)
  } finally {
    client.socket.destroy()
    await server.close()
  }
}

/** Sends frames and expects the server to fail the connection with `code`. */
async function expectFailure(client: RawClient, code: number): Promise<void> {
  const frame = await client.nextFrame()
  assert.equal(frame.opcode, 8)
  assert.equal(closeCodeOf(frame), code)
  await client.ended
}

describe('WebSocket, server role, against a raw client', () => {
  it('echoes messages with the receive() loop and ends with null on close', async () => {
    await withPeer({}, async (client, ws) => {
      const loop = (async () => {
        let message
        const seen = []
        while ((message = await ws.receive()) !== null) {
          seen.push(message)
          await ws.send(message)
        }
        return seen
      })()
      client.sendFrame(1, 'hello')
      client.sendFrame(2, Buffer.from([1, 2, 3]))
      const a = await client.nextFrame()
      const b = await client.nextFrame()
      assert.deepEqual([a.opcode, a.payload.toString()], [1, 'hello'])
      assert.deepEqual([b.opcode, [...b.payload]], [2, [1, 2, 3]])
      client.sendFrame(8, Buffer.from([0x03, 0xe8]))
      assert.deepEqual(await loop, ['hello', Buffer.from([1, 2, 3])])
    })
  })

  it('§5.1: closes with 1002 when a client frame is not masked', async () => {
    await withPeer({}, async (client) => {
      client.socket.write(Buffer.from('810548656c6c6f', 'hex'))
      await expectFailure(client, 1002)
    })
  })

  it('§5.2: closes with 1002 on a reserved bit without an extension', async () => {
    await withPeer({}, async (client, ws) => {
      const errors: unknown[] = []
      ws.on('error', (err) => errors.push(err))
      client.sendFrame(1, 'x', { rsv1: true })
      await expectFailure(client, 1002)
      assert.ok(isPorticoError(errors[0], 'PORTICO_ERR_WS_PROTOCOL'))
    })
  })

  it('§5.2: closes with 1002 on a reserved opcode', async () => {
    await withPeer({}, async (client) => {
      client.sendFrame(3, 'x')
      await expectFailure(client, 1002)
    })
  })

  it('§8.1: closes with 1007 on a text message that is not UTF-8', async () => {
    await withPeer({}, async (client) => {
      client.sendFrame(1, Buffer.from([0x68, 0xc0, 0xaf]))
      await expectFailure(client, 1007)
    })
  })

  it('§8.1: accepts a UTF-8 character split across two fragments', async () => {
    await withPeer({}, async (client, ws) => {
      const e = Buffer.from('é')
      client.sendFrame(1, e.subarray(0, 1), { fin: false })
      client.sendFrame(0, e.subarray(1))
      assert.equal(await ws.receive(), 'é')
    })
  })

  it('§8.1: fails fast with 1007 on the first fragment that cannot be UTF-8, before the message ends', async () => {
    await withPeer({}, async (client) => {
      client.sendFrame(1, Buffer.from('fine'), { fin: false })
      client.sendFrame(0, Buffer.from([0x20, 0xed, 0xa0]), { fin: false }) // ED A0: a surrogate's first bytes
      await expectFailure(client, 1007)
    })
  })

  it('§8.1: fails with 1007 when a fragmented text message ends inside a character', async () => {
    await withPeer({}, async (client) => {
      client.sendFrame(1, Buffer.from('ok'), { fin: false })
      client.sendFrame(0, Buffer.from([0xe2, 0x82]))
      await expectFailure(client, 1007)
    })
  })

  it('§8.1: checks the next fragmented text message from a clean state', async () => {
    await withPeer({}, async (client, ws) => {
      for (const text of ['a€b', 'ü✓']) {
        const bytes = Buffer.from(text)
        client.sendFrame(1, bytes.subarray(0, 2), { fin: false })
        client.sendFrame(0, bytes.subarray(2, 3), { fin: false })
        client.sendFrame(0, bytes.subarray(3))
        assert.equal(await ws.receive(), text)
      }
    })
  })

  it('closes with 1009 when a message is larger than maxPayload', async () => {
    await withPeer({ maxPayload: 1000 }, async (client) => {
      client.sendFrame(2, Buffer.alloc(1001))
      await expectFailure(client, 1009)
    })
  })

  it('§5.5.2: answers a ping with a pong carrying the same payload, and emits ping', async () => {
    await withPeer({}, async (client, ws) => {
      const pinged = once(ws, 'ping')
      client.sendFrame(9, 'are you there')
      const pong = await client.nextFrame()
      assert.deepEqual([pong.opcode, pong.payload.toString()], [10, 'are you there'])
      assert.equal(String((await pinged)[0]), 'are you there')
    })
  })

  it('§5.4: reassembles a fragmented message with a ping between its fragments', async () => {
    await withPeer({}, async (client, ws) => {
      client.sendFrame(1, 'frag', { fin: false })
      client.sendFrame(9, 'p')
      client.sendFrame(0, 'ment', { fin: false })
      client.sendFrame(0, 'ed')
      const pong = await client.nextFrame()
      assert.equal(pong.opcode, 10)
      assert.equal(await ws.receive(), 'fragmented')
    })
  })

  it('§5.4: sends fragmented messages when fragmentSize is set', async () => {
    await withPeer({ fragmentSize: 4 }, async (client, ws) => {
      await ws.send('0123456789')
      const frames = [await client.nextFrame(), await client.nextFrame(), await client.nextFrame()]
      assert.deepEqual(frames.map((f) => [f.opcode, f.fin, f.payload.toString()]), [[1, false, '0123'], [0, false, '4567'], [0, true, '89']])
    })
  })

  it('§7.1.2: echoes the client close code, closes TCP first and reports the code and reason', async () => {
    await withPeer({}, async (client, ws) => {
      const closed = once(ws, 'close')
      client.sendFrame(8, Buffer.concat([Buffer.from([0x0f, 0xa1]), Buffer.from('done')]))
      const echo = await client.nextFrame()
      assert.equal(closeCodeOf(echo), 4001)
      await client.ended
      assert.deepEqual(await closed, [4001, 'done'])
      assert.equal(ws.readyState, 3)
    })
  })

  it('§7.1.2: close() sends a close frame and resolves once the client answers', async () => {
    await withPeer({}, async (client, ws) => {
      const done = ws.close(4000, 'bye')
      assert.equal(ws.readyState, 2)
      const frame = await client.nextFrame()
      assert.equal(closeCodeOf(frame), 4000)
      assert.equal(frame.payload.subarray(2).toString(), 'bye')
      client.sendFrame(8, frame.payload)
      await done
      await client.ended
      assert.equal(ws.closeCode, 4000)
    })
  })

  it('drops the socket when the peer does not answer the close within closeTimeout', async () => {
    await withPeer({ closeTimeout: 100 }, async (client, ws) => {
      await ws.close(1001)
      assert.equal(ws.closeCode, 1006)
      await client.ended
    })
  })

  it('answers an empty close frame with an empty close frame (code 1005 reported)', async () => {
    await withPeer({}, async (client, ws) => {
      client.sendFrame(8, Buffer.alloc(0))
      const echo = await client.nextFrame()
      assert.equal(echo.payload.length, 0)
      await ws.closed
      assert.equal(ws.closeCode, 1005)
    })
  })

  it('heartbeat: drops a peer that does not answer pings', async () => {
    await withPeer({ heartbeat: 50 }, async (client, ws) => {
      const errors: unknown[] = []
      ws.on('error', (err) => errors.push(err))
      assert.equal((await client.nextFrame()).opcode, 9)
      await ws.closed
      assert.equal(ws.closeCode, 1006)
      assert.ok(isPorticoError(errors[0], 'PORTICO_ERR_WS_HEARTBEAT_TIMEOUT'))
    })
  })

  it('heartbeat: keeps a peer that answers pings', async () => {
    await withPeer({ heartbeat: 30 }, async (client, ws) => {
      for (let i = 0; i < 4; i++) {
        const ping = await client.nextFrame()
        assert.equal(ping.opcode, 9)
        client.sendFrame(10, ping.payload)
      }
      assert.equal(ws.readyState, 1)
    })
  })

  it('slow consumer "drop": rejects sends past the high-water mark, keeps the connection', async () => {
    await withPeer({ highWaterMark: 256 * 1024, slowConsumer: 'drop' }, async (client, ws) => {
      client.socket.pause()
      const sends: Promise<void>[] = []
      for (let i = 0; i < 400; i++) sends.push(ws.send(Buffer.alloc(64 * 1024)))
      const results = await Promise.race([Promise.allSettled(sends.slice(-1)), new Promise((r) => setTimeout(r, 200))])
      void results
      assert.ok(ws.bufferedAmount <= 256 * 1024 + 64 * 1024)
      await assert.rejects(sends[399], (err) => isPorticoError(err, 'PORTICO_ERR_WS_MESSAGE_DROPPED'))
      assert.equal(ws.readyState, 1)
    })
  })

  it('slow consumer "close": fails with 1008 and drops the socket', async () => {
    await withPeer({ highWaterMark: 64 * 1024, slowConsumer: 'close', closeTimeout: 100 }, async (client, ws) => {
      client.socket.pause()
      const closed = new Promise<number[]>((resolve) => ws.on('close', (code: number) => resolve([code])))
      const sends: Promise<void>[] = []
      for (let i = 0; i < 400 && ws.readyState === 1; i++) sends.push(ws.send(Buffer.alloc(64 * 1024)))
      const results = await Promise.allSettled(sends)
      assert.ok(results.some((r) => r.status === 'rejected' && isPorticoError(r.reason, 'PORTICO_ERR_WS_SLOW_CONSUMER')))
      assert.equal((await closed)[0], 1008)
    })
  })

  it('closes with 1011 when a message listener throws, without crashing', async () => {
    await withPeer({}, async (client, ws) => {
      ws.on('message', () => {
        throw new Error('boom')
      })
      client.sendFrame(1, 'x')
      await expectFailure(client, 1011)
    })
  })

  it('send() after close rejects with PORTICO_ERR_WS_NOT_OPEN, and an unawaited one does not crash', async () => {
    await withPeer({}, async (client, ws) => {
      client.sendFrame(8, Buffer.from([0x03, 0xe8]))
      await ws.closed
      ws.send('ignored')
      await assert.rejects(ws.send('x'), (err) => isPorticoError(err, 'PORTICO_ERR_WS_NOT_OPEN'))
      assert.equal(await ws.receive(), null)
    })
  })

  it('reports bufferedAmount until the data is written', async () => {
    await withPeer({}, async (_client, ws) => {
      const sent = ws.send(Buffer.alloc(8 << 20))
      assert.ok(ws.bufferedAmount > 0)
      await sent
    })
  })

  it('answers a chunk of pipelined messages and pings in order', async () => {
    await withPeer({}, async (client, ws) => {
      ws.on('message', (m) => void ws.send(m))
      const frames = []
      for (let i = 0; i < 20; i++) frames.push(...encodeFrame(1, Buffer.from(`m${i}`), { mask: true }))
      frames.splice(10, 0, ...encodeFrame(9, Buffer.from('p'), { mask: true }))
      client.socket.write(Buffer.concat(frames))
      const seen = []
      for (let i = 0; i < 21; i++) {
        const frame = await client.nextFrame()
        seen.push(frame.opcode === 10 ? 'pong' : frame.payload.toString())
      }
      assert.deepEqual(seen, [...Array.from({ length: 10 }, (_, i) => `m${i}`), 'pong', ...Array.from({ length: 10 }, (_, i) => `m${i + 10}`)])
    })
  })

  it('sends strings of every length class as UTF-8, each promise settling once written', async () => {
    await withPeer({}, async (client, ws) => {
      const texts = ['', 'héllo ✓ 😀', 'x'.repeat(125), 'é'.repeat(100), 'y'.repeat(70000)]
      await Promise.all(texts.map((t) => ws.send(t)))
      for (const t of texts) assert.equal((await client.nextFrame()).payload.toString(), t)
      await ws.send('as binary', { binary: true })
      const frame = await client.nextFrame()
      assert.deepEqual([frame.opcode, frame.payload.toString()], [2, 'as binary'])
    })
  })

  it('a send waiting for a peer that stopped reading rejects with PORTICO_ERR_WS_NOT_OPEN when it leaves', async () => {
    await withPeer({}, async (client, ws) => {
      client.socket.pause()
      let settled = false
      const sent = ws.send(Buffer.alloc(64 << 20)).finally(() => (settled = true))
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.equal(settled, false)
      client.socket.destroy()
      await assert.rejects(sent, (err) => isPorticoError(err, 'PORTICO_ERR_WS_NOT_OPEN'))
    })
  })

  it('iterates messages with for await until the connection closes', async () => {
    await withPeer({}, async (client, ws) => {
      client.sendFrame(1, 'a')
      client.sendFrame(1, 'b')
      client.sendFrame(8, Buffer.from([0x03, 0xe8]))
      const seen = []
      for await (const m of ws) seen.push(m)
      assert.deepEqual(seen, ['a', 'b'])
    })
  })

  it('emits message events with isBinary', async () => {
    await withPeer({}, async (client, ws) => {
      const got = once(ws, 'message')
      client.sendFrame(2, Buffer.from('bin'))
      const [data, isBinary] = await got
      assert.equal(isBinary, true)
      assert.ok(Buffer.isBuffer(data))
    })
  })

  it('RFC 7692 §8.1: closes with 1009 when a compressed message inflates past maxPayload', async () => {
    for (const offer of ['permessage-deflate', 'permessage-deflate; client_no_context_takeover']) {
      const server = await startUpgradeServer({ perMessageDeflate: true, maxPayload: 1 << 20 }, () => {})
      const client = await rawClient(server.port, `Sec-WebSocket-Extensions: ${offer}\r\n`)
      try {
        const bomb = deflateRawSync(Buffer.alloc(64 << 20), { finishFlush: 2 }).subarray(0, -4)
        client.sendFrame(2, bomb, { rsv1: true })
        await expectFailure(client, 1009)
      } finally {
        client.socket.destroy()
        await server.close()
      }
    }
  })

  it('§9.1: negotiates permessage-deflate and receives a compressed message', async () => {
    const server = await startUpgradeServer({ perMessageDeflate: { threshold: 0 } }, (ws) => {
      void (async () => {
        for await (const m of ws) await ws.send(m)
      })()
    })
    const client = await rawClient(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n')
    try {
      assert.match(client.response, /\r\nSec-WebSocket-Extensions: permessage-deflate\r\n/i)
      // RFC 7692 §7.2.3.1: "Hello" compressed.
      client.sendFrame(1, Buffer.from('f248cdc9c90700', 'hex'), { rsv1: true })
      const frame = await client.nextFrame()
      assert.equal(frame.compressed, true)
    } finally {
      client.socket.destroy()
      await server.close()
    }
  })
})
