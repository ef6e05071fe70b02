import { createServer, type Server, type Socket } from 'node:net'

/** One request seen by a {@link RawServer}: its head text and the socket to answer on. */
export interface RawRequest {
  head: string
  socket: Socket
  header(name: string): string | undefined
}

/** A hand-written TCP server that answers each request head with whatever the test writes. */
export class RawServer {
  readonly requests: RawRequest[] = []
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private waiters: Array<() => void> = []

  constructor(onRequest: (req: RawRequest, index: number) => void) {
    this.server = createServer((socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
      socket.on('error', () => {})
      let buf = ''
      const onData = (d: Buffer): void => {
        buf += d.toString('latin1')
        const end = buf.indexOf('\r\n\r\n')
        if (end === -1) return
        socket.off('data', onData)
        const head = buf.slice(0, end)
        const req: RawRequest = {
          head,
          socket,
          header(name) {
            const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)
            return m === null ? undefined : m[1].trim()
          },
        }
        this.requests.push(req)
        for (const w of this.waiters.splice(0)) w()
        onRequest(req, this.requests.length - 1)
      }
      socket.on('data', onData)
    })
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    const addr = this.server.address()
    if (addr === null || typeof addr === 'string') throw new Error('no address')
    return `http://127.0.0.1:${addr.port}`
  }

  /** Resolves once `n` requests have arrived. */
  async waitForRequests(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve))
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

export const SSE_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n'
