/**
 * The responses pending on one connection, oldest first, and the bytes they write: the oldest
 * writes to the socket, later ones are held until they become the oldest (pipelining,
 * RFC 9112 §9.3.2). While one read is processed, small writes are gathered into one string and
 * sent as a single write (pipelined answers leave in one syscall).
 * @module
 */
import type { Duplex } from 'node:stream'
import type { PorticoResponse } from './response.js'

/**
 * The ordered output of a connection.
 *
 * @example
 * ```ts
 * const out = new ResponseQueue(socket)
 * out.push(res1); out.push(res2)
 * out.write(res2, 'held until res1 is done', 'latin1')
 * ```
 */
export class ResponseQueue {
  /** Pending responses, oldest first. */
  readonly pending: PorticoResponse[] = []
  /** The socket is gone: writes are dropped. */
  closed = false
  private gathering = false
  private gathered = ''
  private waiters: Map<PorticoResponse, () => void> | undefined = undefined

  constructor(private readonly socket: Duplex) {}

  /** Number of pending responses. */
  get length(): number {
    return this.pending.length
  }

  /** Whether `res` is the oldest pending response. */
  isFirst(res: PorticoResponse): boolean {
    return this.pending[0] === res
  }

  /** Starts gathering writes (a read is being processed). */
  beginGather(): void {
    this.gathering = true
  }

  /** Sends what was gathered, in one write. */
  endGather(): void {
    this.gathering = false
    this.flush()
  }

  /** Writes bytes of `res` now if it is the oldest, else holds them. */
  write(res: PorticoResponse, data: string | Uint8Array, encoding: BufferEncoding): boolean {
    if (this.closed) return false
    if (this.pending[0] !== res) {
      ;(res.held ??= []).push(data)
      ;(res.heldEncodings ??= []).push(encoding)
      return false
    }
    if (this.gathering && encoding === 'latin1' && typeof data === 'string') {
      this.gathered += data
      return true
    }
    this.flush()
    return this.socket.write(data, encoding)
  }

  /** Sends the gathered bytes, if any. */
  flush(): void {
    if (this.gathered.length === 0) return
    const out = this.gathered
    this.gathered = ''
    if (!this.closed) this.socket.write(out, 'latin1')
  }

  /** Removes the oldest response and makes the next one current (its held bytes go out). */
  shift(): PorticoResponse | undefined {
    this.pending.shift()
    const next = this.pending[0]
    if (next !== undefined) this.promote(next)
    return next
  }

  /** Forgets every pending response (the connection closes after the current one); the ones
   * not complete are told they were aborted. */
  clear(): void {
    const dropped = this.pending.splice(0)
    for (const res of dropped) res.abort()
  }

  /** Resolves once `res` is the oldest (or the socket is gone). */
  whenFirst(res: PorticoResponse): Promise<void> {
    if (this.pending[0] === res || this.closed) return Promise.resolve()
    return new Promise((resolve) => (this.waiters ??= new Map()).set(res, resolve))
  }

  /** Bytes written for `res` and not yet sent. */
  pendingBytes(res: PorticoResponse): number {
    let n = this.pending[0] === res ? this.socket.writableLength + this.gathered.length : 0
    if (res.held !== undefined) for (const h of res.held) n += h.length
    return n
  }

  /** The socket closed: every pending response is abandoned and told so. */
  abandon(): void {
    this.closed = true
    for (const res of this.pending.splice(0)) res.abort()
    if (this.waiters !== undefined) for (const wake of this.waiters.values()) wake()
    this.waiters = undefined
  }

  private promote(res: PorticoResponse): void {
    const held = res.held
    if (held !== undefined) {
      const encodings = res.heldEncodings as BufferEncoding[]
      res.held = undefined
      res.heldEncodings = undefined
      const batch = held.length > 1 && !this.gathering
      if (batch) this.socket.cork()
      for (let i = 0; i < held.length; i++) this.write(res, held[i], encodings[i])
      if (batch) this.socket.uncork()
    }
    const wake = this.waiters?.get(res)
    if (wake !== undefined) {
      this.waiters?.delete(res)
      wake()
    }
    // later, not from inside finish(): a writer woken here may end its response at once
    const stream = res.openedStream
    if (stream !== undefined) queueMicrotask(() => stream.emitDrain())
  }
}
