import { connect, type Socket } from 'node:net'

/** A raw-socket HTTP client for an SSE endpoint: sends one GET, keeps every byte received. */
export class RawSseClient {
  readonly socket: Socket
  received = ''
  ended = false
  private waiters: Array<() => void> = []

  private constructor(socket: Socket) {
    this.socket = socket
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => {
      this.received += d
      this.wake()
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.ended = true
      this.wake()
    })
  }

  static open(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawSseClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => {
        let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n`
        for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`
        socket.write(head + '\r\n')
        resolve(new RawSseClient(socket))
      })
      socket.once('error', reject)
    })
  }

  /** The response head (status line and fields), once received. */
  get head(): string {
    const end = this.received.indexOf('\r\n\r\n')
    return end === -1 ? '' : this.received.slice(0, end)
  }

  /** The body received so far. */
  get body(): string {
    const end = this.received.indexOf('\r\n\r\n')
    return end === -1 ? '' : this.received.slice(end + 4)
  }

  header(name: string): string | undefined {
    const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(this.head)
    return m === null ? undefined : m[1].trim()
  }

  /** Resolves once the body contains `text` (or the condition holds); rejects if the socket closes first. */
  async waitFor(cond: string | ((body: string) => boolean)): Promise<void> {
    const ok = typeof cond === 'string' ? (b: string) => b.includes(cond) : cond
    while (!ok(this.body)) {
      if (this.ended) throw new Error(`closed before the condition held; body: ${JSON.stringify(this.body)}`)
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  /** Resolves once the server closed the connection. */
  async waitEnd(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve))
  }

  close(): void {
    this.socket.destroy()
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }
}
