/**
 * Test helpers: a `node:http` server whose `'upgrade'` event hands sockets to Portico's
 * server-side handshake (until tests run over Portico's own server), and a raw TCP client that
 * speaks frames byte for byte.
 */
import { once } from 'node:events'
import * as http from 'node:http'
import * as net from 'node:net'
import type { AddressInfo } from 'node:net'
import { acceptWebSocket, nodeHandshakeRequest, type AcceptOptions } from '../../src/websocket/accept.js'
import { FrameParser, type Frame } from '../../src/websocket/frame-parser.js'
import { encodeFrame } from '../../src/websocket/frame-writer.js'
import type { WebSocket } from '../../src/websocket/websocket.js'

export interface UpgradeServer {
  port: number
  close(): Promise<void>
}

/** A node:http server whose upgrades become Portico server-side WebSockets. */
export async function startUpgradeServer(options: AcceptOptions, onSocket: (ws: WebSocket) => void): Promise<UpgradeServer> {
  const sockets = new Set<net.Socket>()
  const server = http.createServer((_req, res) => res.writeHead(404).end())
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('upgrade', (req, socket, head) => {
    const result = acceptWebSocket(socket, head, nodeHandshakeRequest(req), options)
    if (result.ok) onSocket(result.ws)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}

/** A raw client: does the handshake by hand, then reads frames with a client-role parser. */
export interface RawClient {
  socket: net.Socket
  response: string
  frames: Frame[]
  /** The next frame (waits for it). */
  nextFrame(): Promise<Frame>
  /** Resolves when the server closes the TCP connection. */
  ended: Promise<void>
  /** Sends a masked frame. */
  sendFrame(opcode: number, payload: Buffer | string, options?: { fin?: boolean; rsv1?: boolean }): void
}

export async function rawClient(port: number, extraHeaders = ''): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' + extraHeaders + '\r\n',
  )
  let buffered = Buffer.alloc(0)
  const parser = new FrameParser({ role: 'client', maxPayload: 1 << 26, perMessageDeflate: true })
  const frames: Frame[] = []
  let waiter: (() => void) | undefined
  parser.onFrame = (frame) => {
    frames.push(frame)
    waiter?.()
  }
  let response = ''
  const headDone = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      if (response === '') {
        buffered = Buffer.concat([buffered, chunk])
        const end = buffered.indexOf('\r\n\r\n')
        if (end === -1) return
        response = buffered.toString('latin1', 0, end + 4)
        resolve()
        chunk = buffered.subarray(end + 4)
      }
      parser.push(chunk)
    })
  })
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  socket.on('error', () => {})
  await headDone
  let read = 0
  return {
    socket,
    response,
    frames,
    ended,
    nextFrame: async () => {
      while (frames.length <= read) await new Promise<void>((resolve) => (waiter = resolve))
      return frames[read++]
    },
    sendFrame: (opcode, payload, options = {}) => {
      for (const b of encodeFrame(opcode, typeof payload === 'string' ? Buffer.from(payload) : payload, { ...options, mask: true })) socket.write(b)
    },
  }
}

/** The code of a close frame. */
export function closeCodeOf(frame: Frame): number {
  return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005
}
