/**
 * Helpers of the hub tests: a raw SSE reader. Processes, Redis and ports are in test/fixtures/.
 * @module
 */
import { connect, type Socket } from 'node:net'

/** One parsed SSE event. */
export interface ReadEvent {
  id: string | undefined
  event: string
  data: string
}

/** A raw SSE client: one GET over a socket (raw body: the server writes events as they are). */
export class SseReader {
  readonly events: ReadEvent[] = []
  private buffer = ''
  private headDone = false
  private waiters: Array<() => void> = []
  closed = false

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => this.feed(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
  }

  static open(port: number, path: string, lastEventId?: string): Promise<SseReader> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => {
        let head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n`
        if (lastEventId !== undefined) head += `Last-Event-ID: ${lastEventId}\r\n`
        socket.write(head + '\r\n')
        const reader = new SseReader(socket)
        reader.until(() => reader.headDone, 5000).then(() => resolve(reader), reject)
      })
      socket.once('error', reject)
    })
  }

  /** The data of every event received, in order. */
  get data(): string[] {
    return this.events.map((e) => e.data)
  }

  /** Resolves when `check()` holds; rejects after `ms` with what was received. */
  until(check: () => boolean, ms = 8000): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; events: ${JSON.stringify(this.data)}`)), ms)
      const waiter = (): void => {
        if (!check()) return
        clearTimeout(timer)
        this.waiters = this.waiters.filter((w) => w !== waiter)
        resolve()
      }
      this.waiters.push(waiter)
    })
  }

  close(): void {
    this.socket.destroy()
  }

  private feed(chunk: string): void {
    this.buffer += chunk
    if (!this.headDone) {
      const end = this.buffer.indexOf('\r\n\r\n')
      if (end === -1) return
      this.buffer = this.buffer.slice(end + 4)
      this.headDone = true
    }
    let end: number
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end)
      this.buffer = this.buffer.slice(end + 2)
      const ev: ReadEvent = { id: undefined, event: 'message', data: '' }
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith(':') || line === '') continue
        const colon = line.indexOf(':')
        const name = colon === -1 ? line : line.slice(0, colon)
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (name === 'id') ev.id = value
        else if (name === 'event') ev.event = value
        else if (name === 'data') data.push(value)
      }
      if (data.length === 0) continue
      ev.data = data.join('\n')
      this.events.push(ev)
    }
    this.wake()
  }

  private wake(): void {
    for (const w of [...this.waiters]) w()
  }
}
