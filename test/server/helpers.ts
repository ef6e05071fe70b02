/**
 * Helpers of the server tests: a started server on 127.0.0.1:0 and raw sockets.
 */
import net from 'node:net'
import { createServer, type Server } from '../../src/server/index.js'
import type { ServerOptions } from '../../src/server/types.js'

/** A server listening on 127.0.0.1 with a random port. */
export async function started(setup: (s: Server) => void, options: ServerOptions = {}): Promise<Server> {
  const server = createServer(options)
  server.on('serverError', () => {})
  setup(server)
  await server.listen(0, '127.0.0.1')
  return server
}

/** A raw client: write bytes, read everything until the server closes (or `until` matches). */
export class RawClient {
  readonly socket: net.Socket
  data = ''
  closed = false
  private waiters: (() => void)[] = []

  private constructor(socket: net.Socket) {
    this.socket = socket
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => {
      this.data += d
      this.wake()
    })
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
    socket.on('error', () => {})
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)))
      s.once('error', reject)
    })
  }

  write(bytes: string | Buffer): this {
    this.socket.write(bytes)
    return this
  }

  /** Waits until `test(data)` holds or the socket closed; throws after `ms`. */
  async until(test: (data: string) => boolean, ms = 5000): Promise<string> {
    return this.waitFor(() => {
      if (test(this.data)) return true
      if (this.closed) throw new Error('closed before condition; got: ' + JSON.stringify(this.data))
      return false
    }, ms, 'timed out')
  }

  /** Waits for the server to close the connection. */
  async closedByPeer(ms = 5000): Promise<string> {
    return this.waitFor(() => this.closed, ms, 'not closed')
  }

  /** Re-checks `done()` whenever data arrives or the socket closes; throws `failure` after `ms`. */
  private async waitFor(done: () => boolean, ms: number, failure: string): Promise<string> {
    const deadline = Date.now() + ms
    while (!done()) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(failure + '; got: ' + JSON.stringify(this.data))
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
    return this.data
  }

  /** Number of complete responses (status lines) seen. */
  count(marker = 'HTTP/1.1 '): number {
    return this.data.split(marker).length - 1
  }

  close(): void {
    this.socket.destroy()
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }
}

/** `GET path` as raw bytes. */
export function get(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`
}

/** Splits raw response text into its responses' status lines. */
export function statusLines(data: string): string[] {
  return data.match(/HTTP\/1\.[01] \d{3}[^\r]*/g) ?? []
}

/** Polls `test` until it holds (or throws after `ms`). */
export async function eventually(test: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!test()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(10)
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
