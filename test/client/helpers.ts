/**
 * Test helpers for the client: servers on 127.0.0.1 port 0 (node:http, raw net, the `proxy`
 * package). Certificates are in test/fixtures/tls.ts.
 * @module
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import { createProxy, type ProxyServer } from 'proxy'

/** A listening server and how to reach and stop it. */
export interface Running<S> {
  server: S
  port: number
  url: string
  close(): Promise<void>
}

type AnyServer = NetServer | HttpServer | HttpsServer

async function listen<S extends AnyServer>(server: S, scheme: string): Promise<Running<S>> {
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    server,
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    }),
  }
}

/** A node:http server with `handler`. */
export function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Running<HttpServer>> {
  const server = createHttpServer(handler)
  server.keepAliveTimeout = 10_000
  return listen(server, 'http')
}

/** A node:https server with the given key and certificate. */
export function httpsServer(
  tls: { key: string; cert: string },
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Running<HttpsServer>> {
  return listen(createHttpsServer(tls, handler), 'https')
}

/** A raw TCP server: `onSocket` writes whatever bytes the test wants. */
export function rawServer(onSocket: (socket: Socket) => void): Promise<Running<NetServer>> {
  return listen(createNetServer(onSocket), 'http')
}

/** A raw server answering every request head (up to `\r\n\r\n`) with `reply(requestHead, index)`. */
export function scriptedServer(reply: (head: string, index: number, socket: Socket) => void): Promise<Running<NetServer> & { heads: string[] }> {
  const heads: string[] = []
  return rawServer((socket) => {
    let buffered = ''
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1')
      let end: number
      while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
        const head = buffered.slice(0, end + 4)
        buffered = buffered.slice(end + 4)
        const length = /content-length:\s*(\d+)/i.exec(head)
        if (length !== null) buffered = buffered.slice(Number(length[1]))
        heads.push(head)
        reply(head, heads.length - 1, socket)
      }
    })
    socket.on('error', () => {})
  }).then((r) => Object.assign(r, { heads }))
}

/** A forward proxy (the `proxy` npm package) handling absolute-form requests and CONNECT. */
export async function forwardProxy(): Promise<Running<ProxyServer> & { requests: string[]; connects: string[] }> {
  const requests: string[] = []
  const connects: string[] = []
  const server = createProxy(createHttpServer())
  server.prependListener('request', (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`))
  server.prependListener('connect', (req: IncomingMessage) => connects.push(String(req.url)))
  const running = await listen(server, 'http')
  return Object.assign(running, { requests, connects })
}

/** The port of a server that was listening and is now closed (connecting there is refused). */
export async function closedPort(): Promise<number> {
  const r = await rawServer(() => {})
  await r.close()
  return r.port
}
