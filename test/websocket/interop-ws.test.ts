import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { WebSocket as WsClient, WebSocketServer, type RawData } from 'ws'
import { connectWebSocket } from '../../src/websocket/client.js'
import type { WebSocket } from '../../src/websocket/websocket.js'
import { startUpgradeServer } from './helpers.js'

const TEN_MIB = 10 * 1024 * 1024

function pattern(length: number): Buffer {
  const b = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) b[i] = (i * 7 + (i >> 10)) & 0xff
  return b
}

/** Collects the next `n` messages a `ws` client receives. */
function nextWsMessages(client: WsClient, n: number): Promise<Array<[Buffer, boolean]>> {
  return new Promise((resolve) => {
    const out: Array<[Buffer, boolean]> = []
    const on = (data: RawData, isBinary: boolean): void => {
      out.push([Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]), isBinary])
      if (out.length === n) {
        client.off('message', on)
        resolve(out)
      }
    }
    client.on('message', on)
  })
}

for (const deflate of [false, true]) {
  const label = deflate ? 'with permessage-deflate' : 'without compression'

  describe(`Portico server side ↔ ws client, ${label}`, () => {
    async function setup(onSocket: (ws: WebSocket) => void = echo) {
      const server = await startUpgradeServer({ perMessageDeflate: deflate ? { threshold: 16 } : false, protocols: ['chat'] }, onSocket)
      const client = new WsClient(`ws://127.0.0.1:${server.port}/`, ['chat'], { perMessageDeflate: deflate })
      await once(client, 'open')
      return { server, client }
    }
    function echo(ws: WebSocket): void {
      ws.on('message', (m) => void ws.send(m))
    }

    it('negotiates the subprotocol and the extension', async () => {
      const { server, client } = await setup()
      assert.equal(client.protocol, 'chat')
      assert.equal(client.extensions, deflate ? 'permessage-deflate' : '')
      client.terminate()
      await server.close()
    })

    it('echoes text, binary and a 10 MiB message', async () => {
      const { server, client } = await setup()
      const big = pattern(TEN_MIB)
      const got = nextWsMessages(client, 3)
      client.send('héllo wörld '.repeat(10))
      client.send(Buffer.from([0, 1, 2, 255]))
      client.send(big)
      const [text, bin, large] = await got
      assert.deepEqual([text[0].toString(), text[1]], ['héllo wörld '.repeat(10), false])
      assert.deepEqual([[...bin[0]], bin[1]], [[0, 1, 2, 255], true])
      assert.ok(large[0].equals(big))
      client.terminate()
      await server.close()
    })

    it('receives a message the ws client sends in fragments', async () => {
      const { server, client } = await setup()
      const got = nextWsMessages(client, 1)
      client.send('frag', { fin: false })
      client.send('ment', { fin: false })
      client.send('ed', { fin: true })
      assert.equal((await got)[0][0].toString(), 'fragmented')
      client.terminate()
      await server.close()
    })

    it('sends fragmented messages the ws client reassembles', async () => {
      const server = await startUpgradeServer({ perMessageDeflate: deflate, fragmentSize: 1000 }, (ws) => void ws.send(pattern(100_000)))
      const client = new WsClient(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: deflate })
      const [data] = await once(client, 'message')
      assert.ok((data as Buffer).equals(pattern(100_000)))
      client.terminate()
      await server.close()
    })

    it('reports the close code and reason the ws client sends', async () => {
      let portico: WebSocket | undefined
      const { server, client } = await setup((ws) => (portico = ws))
      client.close(4001, 'client says bye')
      const [code, reason] = await once(client, 'close')
      assert.equal(code, 4001)
      assert.ok(portico)
      await portico.closed
      assert.deepEqual([portico.closeCode, portico.closeReason], [4001, 'client says bye'])
      assert.equal(String(reason), '')
      await server.close()
    })

    it('sends a close code and reason the ws client reports', async () => {
      const { server, client } = await setup((ws) => void ws.close(4002, 'server says bye'))
      const [code, reason] = await once(client, 'close')
      assert.deepEqual([code, String(reason)], [4002, 'server says bye'])
      await server.close()
    })

    it('answers the ws client ping with a pong', async () => {
      const { server, client } = await setup()
      client.ping('x')
      const [data] = await once(client, 'pong')
      assert.equal(String(data), 'x')
      client.terminate()
      await server.close()
    })
  })

  describe(`Portico client ↔ ws server, ${label}`, () => {
    async function setup() {
      const wss = new WebSocketServer({
        port: 0,
        host: '127.0.0.1',
        perMessageDeflate: deflate ? { threshold: 16 } : false,
        handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
      })
      await once(wss, 'listening')
      wss.on('connection', (s) => s.on('message', (d, isBinary) => s.send(d, { binary: isBinary })))
      const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/path?q=1`
      return { wss, url }
    }
    async function stop(wss: WebSocketServer) {
      for (const c of wss.clients) c.terminate()
      await new Promise((resolve) => wss.close(resolve))
    }

    it('negotiates the subprotocol and the extension', async () => {
      const { wss, url } = await setup()
      const ws = await connectWebSocket(url, { protocols: ['mqtt', 'chat'], perMessageDeflate: deflate })
      assert.equal(ws.protocol, 'chat')
      assert.equal(ws.extensions, deflate ? 'permessage-deflate' : '')
      ws.terminate()
      await stop(wss)
    })

    it('echoes text, binary and a 10 MiB message', async () => {
      const { wss, url } = await setup()
      const ws = await connectWebSocket(url, { perMessageDeflate: deflate, maxPayload: 32 << 20 })
      const big = pattern(TEN_MIB)
      await ws.send('héllo wörld '.repeat(10))
      assert.equal(await ws.receive(), 'héllo wörld '.repeat(10))
      await ws.send(new Uint8Array([9, 8, 7]))
      assert.deepEqual(await ws.receive(), Buffer.from([9, 8, 7]))
      await ws.send(big)
      const back = await ws.receive()
      assert.ok(Buffer.isBuffer(back) && back.equals(big))
      await ws.close()
      await stop(wss)
    })

    it('sends fragmented messages the ws server reassembles', async () => {
      const { wss, url } = await setup()
      const ws = await connectWebSocket(url, { perMessageDeflate: deflate, fragmentSize: 100 })
      await ws.send('x'.repeat(1050))
      assert.equal(await ws.receive(), 'x'.repeat(1050))
      await ws.close()
      await stop(wss)
    })

    it('receives a message the ws server sends in fragments', async () => {
      const { wss, url } = await setup()
      wss.on('connection', (s) => {
        s.send('frag', { fin: false })
        s.send('ment', { fin: false })
        s.send('ed', { fin: true })
      })
      const ws = await connectWebSocket(url, { perMessageDeflate: deflate })
      assert.equal(await ws.receive(), 'fragmented')
      await ws.close()
      await stop(wss)
    })

    it('sends a close code and reason the ws server reports', async () => {
      const { wss, url } = await setup()
      const serverClose = new Promise<[number, string]>((resolve) => wss.on('connection', (s) => s.on('close', (code, reason) => resolve([code, String(reason)]))))
      const ws = await connectWebSocket(url, { perMessageDeflate: deflate })
      await ws.close(4003, 'client done')
      assert.deepEqual(await serverClose, [4003, 'client done'])
      assert.equal(ws.closeCode, 4003)
      await stop(wss)
    })

    it('reports the close code and reason the ws server sends', async () => {
      const { wss, url } = await setup()
      wss.on('connection', (s) => s.close(4004, 'server done'))
      const ws = await connectWebSocket(url, { perMessageDeflate: deflate })
      await ws.closed
      assert.deepEqual([ws.closeCode, ws.closeReason], [4004, 'server done'])
      await stop(wss)
    })

    it('§5.1: closes with 1002 when the server masks its frames', async () => {
      const { wss, url } = await setup()
      const serverClose = new Promise<number>((resolve) => wss.on('connection', (s) => s.on('close', (code) => resolve(code))))
      wss.on('connection', (s) => (s as unknown as { _sender: { _firstFragment: boolean } }) && s.send('x', { mask: true } as never))
      const ws = await connectWebSocket(url, { perMessageDeflate: deflate })
      await ws.closed
      assert.equal(ws.closeCode, 1002)
      assert.equal(await serverClose, 1002)
      await stop(wss)
    })
  })
}

describe('Portico client handshake against a ws server', () => {
  it('rejects with PORTICO_ERR_WS_HANDSHAKE carrying the status when the server refuses', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', verifyClient: () => false })
    await once(wss, 'listening')
    await assert.rejects(connectWebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`), (err: { code: string; status: number }) => {
      return err.code === 'PORTICO_ERR_WS_HANDSHAKE' && err.status === 401
    })
    await new Promise((resolve) => wss.close(resolve))
  })

  it('rejects a URL that is not ws: or wss:', async () => {
    await assert.rejects(connectWebSocket('ftp://127.0.0.1/'), (err: { code: string }) => err.code === 'PORTICO_ERR_WS_INVALID_URL')
  })
})
