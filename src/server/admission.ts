/**
 * How an accepted socket becomes a served connection: held unread while `maxConnections` are
 * open, then handed to the `newThread` option (tiny_httpd's `new_thread`: a thread per client,
 * or a pool), which calls `serve` now or later. A socket waiting in either place is not read.
 * @module
 */
import type net from 'node:net'
import type { Duplex } from 'node:stream'
import type { Connection } from './connection.js'
import type { Server } from './server.js'

/** Keeps a reset on a socket not yet served from becoming an uncaught `error`. */
function ignore(): void {}

/**
 * A socket not yet served ended with no byte unread: its client left without a request. (With
 * `allowHalfOpen` nothing else would close it, and its `end` is gone before a reader attaches.)
 */
function dropEnded(this: Duplex): void {
  this.destroy()
}

const SERVED: Promise<void> = Promise.resolve()

/**
 * The admission of one server's accepted sockets.
 *
 * @example
 * ```ts
 * const admission = new Admission(server)
 * listener.on('connection', (socket) => admission.accept(socket))
 * ```
 */
export class Admission {
  private readonly server: Server
  /** Paused sockets past `maxConnections`, oldest first. */
  private readonly waiting: Duplex[] = []
  /** Sockets handed to `newThread` whose `serve` has not run yet (they count as connections). */
  private readonly pending = new Set<Duplex>()
  /** Settles the promise `serve` returned once its connection is closed or handed over. */
  private readonly closeWaiters = new Map<Connection, () => void>()

  constructor(server: Server) {
    this.server = server
  }

  /**
   * Takes a socket from the listener: served (through `newThread`), or held unread past
   * `maxConnections`.
   *
   * @example
   * ```ts
   * admission.accept(socket)
   * ```
   */
  accept(socket: Duplex): void {
    if (this.server.stopping) {
      socket.destroy()
      return
    }
    if ((socket as net.Socket).setNoDelay !== undefined) (socket as net.Socket).setNoDelay(true)
    if (this.occupied() >= this.server.config.maxConnections) {
      socket.pause()
      socket.on('error', ignore)
      socket.once('end', dropEnded)
      this.waiting.push(socket)
      socket.once('close', () => {
        const i = this.waiting.indexOf(socket)
        if (i >= 0) this.waiting.splice(i, 1)
      })
      return
    }
    this.start(socket, false)
  }

  /**
   * A connection closed or was handed over: settles its `serve` promise, admits waiting sockets.
   *
   * @example
   * ```ts
   * admission.closed(conn)
   * ```
   */
  closed(conn: Connection): void {
    const settle = this.closeWaiters.get(conn)
    if (settle !== undefined) {
      this.closeWaiters.delete(conn)
      settle()
    }
    this.admitWaiting()
  }

  /**
   * Destroys every socket not served yet (`stop()`).
   *
   * @example
   * ```ts
   * admission.dropAll()
   * ```
   */
  dropAll(): void {
    for (const s of this.waiting.splice(0)) s.destroy()
    for (const s of [...this.pending]) s.destroy()
    this.pending.clear()
  }

  private occupied(): number {
    return this.server.connections.size + this.pending.size
  }

  private admitWaiting(): void {
    const max = this.server.config.maxConnections
    while (this.waiting.length > 0 && this.occupied() < max && !this.server.stopping) {
      const next = this.waiting.shift() as Duplex
      if (!next.destroyed) this.start(next, true)
    }
  }

  private start(socket: Duplex, paused: boolean): void {
    const newThread = this.server.config.newThread
    if (newThread === undefined) {
      this.serveNow(socket, paused)
      return
    }
    this.pending.add(socket)
    if (!paused) {
      socket.on('error', ignore)
      socket.once('end', dropEnded)
    }
    let started: Promise<void> | undefined
    const onClose = (): void => {
      if (this.pending.delete(socket)) this.admitWaiting()
    }
    socket.once('close', onClose)
    const serve = (): Promise<void> => {
      if (started !== undefined) return started
      socket.removeListener('close', onClose)
      const wasPending = this.pending.delete(socket)
      const conn = wasPending && !this.server.stopping ? this.serveNow(socket, paused) : undefined
      if (conn !== undefined && this.server.connections.has(conn)) {
        started = new Promise((resolve) => this.closeWaiters.set(conn, resolve))
      } else {
        socket.destroy()
        started = SERVED
        this.admitWaiting()
      }
      return started
    }
    try {
      newThread(serve)
    } catch (err) {
      this.server.emitError('The newThread option threw', err)
      socket.destroy()
    }
  }

  /** Serves `socket`, unless it is gone already. */
  private serveNow(socket: Duplex, paused: boolean): Connection | undefined {
    socket.removeListener('error', ignore)
    socket.removeListener('end', dropEnded)
    if (socket.destroyed || socket.readableEnded) {
      socket.destroy()
      return undefined
    }
    const conn = this.server.serve(socket)
    if (paused) socket.resume()
    return conn
  }
}
