import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { HTTPClient, Method, Status, connectTunnel, openConnection } from '../../src/client/index.js'
import { connectTcp } from '../../src/client/connect.js'
import { rawServer, scriptedServer } from './helpers.js'

const SWITCH = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n'
const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n'
/** How long the tests wait before they start reading a handed-over socket. */
const LATE = 50

async function settle(client: HTTPClient): Promise<Status> {
  let status = client.poll()
  while (status === Status.RESOLVING || status === Status.CONNECTING || status === Status.REQUESTING || status === Status.BODY) {
    status = await client.pollAsync()
  }
  return status
}

/** Reads `socket` with a 'data' listener until `expected` bytes came, or fails after 1 s. */
function readExactly(socket: Socket, expected: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => {
      socket.off('data', onData)
      reject(new Error(`Only ${JSON.stringify(text)} arrived`))
    }, 1000)
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1')
      if (text.length < expected) return
      clearTimeout(timer)
      socket.off('data', onData)
      resolve(text)
    }
    socket.on('data', onData)
  })
}

describe('sockets handed over after a protocol switch or a tunnel', () => {
  it('HTTPClient keeps the bytes sent with the 101 head for a reader of connection that comes late', async (t) => {
    const raw = await scriptedServer((_head, _i, socket) => {
      // One write: the head and the new protocol's first bytes arrive together.
      socket.write(SWITCH + 'first-frame')
      setTimeout(() => socket.write('|second'), 10)
    })
    t.after(() => raw.close())
    const client = new HTTPClient()
    t.after(() => client.close())
    client.connectToHost('127.0.0.1', raw.port)
    assert.equal(await settle(client), Status.CONNECTED)
    client.request(Method.GET, '/ws', ['Upgrade: echo', 'Connection: Upgrade'])
    assert.equal(await settle(client), Status.CONNECTED)
    assert.equal(client.getResponseCode(), 101)
    await sleep(LATE)
    const socket = client.connection as Socket
    assert.equal(await readExactly(socket, 'first-frame|second'.length), 'first-frame|second')
  })

  it('HTTPClient keeps the bytes a server sends with its 200 to CONNECT for a reader of connection that comes late', async (t) => {
    const raw = await rawServer((socket) => {
      socket.once('data', () => {
        socket.write(ESTABLISHED + 'SSH-2.0-banner\r\n')
        socket.on('data', (d) => socket.write(d))
      })
      socket.on('error', () => {})
    })
    t.after(() => raw.close())
    const client = new HTTPClient()
    t.after(() => client.close())
    client.connectToHost('127.0.0.1', raw.port)
    assert.equal(await settle(client), Status.CONNECTED)
    client.request(Method.CONNECT, 'example.com:22', [])
    assert.equal(await settle(client), Status.CONNECTED)
    assert.equal(client.getResponseCode(), 200)
    await sleep(LATE)
    const socket = client.connection as Socket
    assert.equal(await readExactly(socket, 16), 'SSH-2.0-banner\r\n')
    // The tunnel carries bytes both ways.
    socket.write('ping')
    assert.equal(await readExactly(socket, 4), 'ping')
  })

  it('openConnection keeps the tunnelled bytes a proxy sends with its 200 to CONNECT for a late reader', async (t) => {
    const proxy = await rawServer((socket) => {
      socket.once('data', () => socket.write(ESTABLISHED + 'SSH-2.0-banner\r\n'))
      socket.on('error', () => {})
    })
    t.after(() => proxy.close())
    const socket = await openConnection('http://origin.test:22/', { proxy: proxy.url, tunnel: true })
    t.after(() => socket.destroy())
    await sleep(LATE)
    assert.equal(await readExactly(socket, 16), 'SSH-2.0-banner\r\n')
  })

  it('connectTunnel hands the socket back neither flowing nor paused, the bytes after the answer ready for read()', async (t) => {
    const proxy = await rawServer((socket) => {
      socket.once('data', () => socket.write(ESTABLISHED + 'hello'))
      socket.on('error', () => {})
    })
    t.after(() => proxy.close())
    const socket = await connectTcp('127.0.0.1', proxy.port)
    t.after(() => socket.destroy())
    await connectTunnel(socket, 'origin.test', 22)
    await sleep(LATE)
    assert.equal(socket.readableFlowing, null, 'neither flowing nor paused')
    assert.equal(String(socket.read()), 'hello')
  })
})
