import { connect, createServer as createNetServer, type Socket } from 'node:net'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

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

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** A child process speaking JSON lines on stdout. */
export class Child {
  readonly lines: Array<Record<string, unknown>> = []
  private waiters: Array<() => void> = []
  exited: number | null | undefined = undefined

  constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        return
      }
      for (const w of [...this.waiters]) w()
    })
    proc.stderr?.on('data', (d: Buffer) => process.stderr.write(d))
    proc.on('exit', (code) => {
      this.exited = code
      for (const w of [...this.waiters]) w()
    })
  }

  static start(script: string, args: string[] = [], env: Record<string, string> = {}): Child {
    return new Child(spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }))
  }

  /** Resolves the first line (from `from` on) matching `match`. */
  line(match: (l: Record<string, unknown>) => boolean, ms = 10_000, from = 0): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.lines.slice(from).find(match)
        if (found === undefined) return false
        clearTimeout(timer)
        this.waiters = this.waiters.filter((w) => w !== waiter)
        resolve(found)
        return true
      }
      const waiter = (): void => void check()
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(new Error(`no matching line; got ${JSON.stringify(this.lines)}`))
      }, ms)
      if (!check()) this.waiters.push(waiter)
    })
  }

  /** Resolves the exit code once the process has exited. */
  exit(ms = 15_000): Promise<number | null> {
    if (this.exited !== undefined) return Promise.resolve(this.exited)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('child did not exit')), ms)
      this.proc.once('exit', (code) => {
        clearTimeout(timer)
        resolve(code)
      })
    })
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exited === undefined) this.proc.kill(signal)
  }
}

/** A redis-server on a free port with no persistence; `stop()` kills it. */
export class RedisProcess {
  private constructor(readonly port: number, private proc: ChildProcess) {}

  static async start(port?: number): Promise<RedisProcess> {
    const p = port ?? (await freePort())
    const proc = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start')), 5000)
      let out = ''
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      proc.once('exit', () => reject(new Error('redis-server exited: ' + out)))
    })
    proc.stdout!.resume()
    return new RedisProcess(p, proc)
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      this.proc.once('exit', () => resolve())
      this.proc.kill('SIGKILL')
    })
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
