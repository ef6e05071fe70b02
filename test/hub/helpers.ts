/**
 * Helpers of the hub tests: a raw SSE reader, and hooks that hold a Redis hub's subscriber
 * connection back. Processes, Redis and ports are in test/fixtures/.
 * @module
 */
import type { EventEmitter } from 'node:events'
import { connect, type Socket } from 'node:net'
import type { RedisHub } from '../../src/hub/redis-hub.js'

/** Resolves when `check()` holds (polled every 5 ms); rejects after `ms` with `what()`. */
export function waitFor(check: () => boolean, what: () => string, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = (): void => {
      if (check()) resolve()
      else if (Date.now() - started > ms) reject(new Error('timed out; ' + what()))
      else setTimeout(poll, 5)
    }
    poll()
  })
}

/** The `data:` values of an SSE byte stream, in order. */
export const dataOf = (text: string): string[] => [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1])

/**
 * Holds what the subscriber connection of `hub` receives until `release()`, as a subscriber
 * connection that lags the command connection does.
 */
export function delaySubscriber(hub: RedisHub): { held: unknown[][]; hold(): void; release(): void } {
  const sub = hub.subscriber as unknown as EventEmitter
  const listeners = sub.listeners('messageBuffer') as Array<(...args: unknown[]) => void>
  sub.removeAllListeners('messageBuffer')
  let holding = false
  const held: unknown[][] = []
  const pass = (args: unknown[]): void => {
    for (const l of listeners) l(...args)
  }
  sub.on('messageBuffer', (...args: unknown[]) => (holding ? held.push(args) : pass(args)))
  return {
    held,
    hold: () => {
      holding = true
    },
    release: () => {
      holding = false
      for (const args of held.splice(0)) pass(args)
    },
  }
}

/**
 * Holds the SUBSCRIBEs of `hub`'s subscriber connection (those of topic `only`, when given) until
 * `open()`, as a subscriber connection slower than the command connection does; `sent` are the
 * held commands' answers.
 */
export function gateSubscribe(hub: RedisHub, only?: string): { sent: Array<Promise<unknown>>; open(): void } {
  const sub = hub.subscriber as unknown as { subscribe(...channels: string[]): Promise<unknown> }
  const subscribe = sub.subscribe.bind(sub)
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  const sent: Array<Promise<unknown>> = []
  sub.subscribe = (...channels: string[]) => {
    if (only !== undefined && !channels.includes(hub.channel(only))) return subscribe(...channels)
    const answer = gate.then(() => subscribe(...channels))
    sent.push(answer)
    return answer
  }
  return { sent, open }
}

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
