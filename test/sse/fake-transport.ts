import { SSEConnection } from '../../src/sse/sse-connection.js'
import type { SseRegistry } from '../../src/sse/sse-registry.js'
import type { SseTransport } from '../../src/sse/transport.js'

/** An in-memory SseTransport: records writes; `stall()` makes bytes pile up as for a client that stopped reading. */
export class FakeTransport implements SseTransport {
  chunks: Buffer[] = []
  /** The chunks exactly as given to write (to check a broadcast shares one buffer). */
  raw: Array<string | Uint8Array> = []
  ended = false
  destroyed = false
  closed = false
  stalled = false
  private pending = 0
  private closeCbs: Array<() => void> = []
  private drainCbs: Array<() => void> = []

  get writableLength(): number {
    return this.pending
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.closed) throw new Error('write after close')
    this.raw.push(chunk)
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk)
    this.chunks.push(b)
    if (this.stalled) this.pending += b.length
    return !this.stalled
  }

  stall(): void {
    this.stalled = true
  }

  end(): void {
    this.ended = true
    this.close()
  }

  destroy(): void {
    this.destroyed = true
    this.close()
  }

  /** The peer went away. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const cb of this.closeCbs.splice(0)) cb()
  }

  onDrain(cb: () => void): void {
    this.drainCbs.push(cb)
  }

  onClose(cb: () => void): void {
    this.closeCbs.push(cb)
  }
}

/** Opens a connection over a {@link FakeTransport} (no heartbeat) and registers it; `lastEventId` as the client's header. */
export function open(registry: SseRegistry, lastEventId?: string): { t: FakeTransport; c: SSEConnection } {
  const t = new FakeTransport()
  const headers: Record<string, string> = lastEventId === undefined ? {} : { 'last-event-id': lastEventId }
  const c = new SSEConnection(t, { heartbeatMs: 0, hub: registry, headers })
  registry.add(c)
  return { t, c }
}
