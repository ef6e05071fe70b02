/**
 * `maxConcurrentRequests` (the Toit server's `max-tasks`): at most that many handlers run at
 * once; later requests wait in a FIFO queue, and a bounded queue answers 503 when full. A slot
 * is held from the handler's start until it settles.
 * @module
 */
import { answerError, handlerSettled, runRoute, type RouteEntry } from './dispatch.js'
import type { PorticoRequest } from './request.js'
import type { PorticoResponse } from './response.js'
import type { Server } from './server.js'

interface Waiting {
  req: PorticoRequest<any>
  res: PorticoResponse
  entry: RouteEntry
}

/**
 * The limiter of one server.
 *
 * @example
 * ```ts
 * const q = new ConcurrencyQueue(server, 5, 100) // 5 handlers at once, 100 waiting, then 503
 * ```
 */
export class ConcurrencyQueue {
  /** Handlers running now (counted only when a limit is set). */
  active = 0
  private waiting: Waiting[] = []
  private head = 0
  private readonly release = (): void => this.next()

  constructor(
    private readonly server: Server,
    private readonly max: number,
    private readonly maxQueued: number,
  ) {}

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length - this.head
  }

  /** Runs the handler now, queues it, or answers 503 when the queue is full. */
  run(req: PorticoRequest<any>, res: PorticoResponse, entry: RouteEntry): void {
    if (this.max === Infinity) {
      let done: Promise<void> | void
      try {
        done = runRoute(this.server, req, res, entry)
      } catch (err) {
        return this.failed(req, res, err)
      }
      if (done !== undefined) done.catch((err: unknown) => this.failed(req, res, err))
      return
    }
    if (this.active < this.max) {
      this.start(req, res, entry)
      return
    }
    if (this.queued >= this.maxQueued) {
      answerError(res, 503, undefined, { 'Retry-After': '1' })
      handlerSettled(res)
      return
    }
    this.waiting.push({ req, res, entry })
  }

  private start(req: PorticoRequest<any>, res: PorticoResponse, entry: RouteEntry): void {
    this.active++
    let done: Promise<void> | void
    try {
      done = runRoute(this.server, req, res, entry)
    } catch (err) {
      done = undefined
      this.failed(req, res, err)
    }
    if (done === undefined) this.next()
    else
      done.then(this.release, (err: unknown) => {
        this.failed(req, res, err)
        this.next()
      })
  }

  /**
   * A route failed past its own error handling (the answer itself threw, after the handler
   * settled): reported through `serverError`; a response left unfinished has its connection
   * closed, so the client is not left waiting.
   */
  private failed(req: PorticoRequest<any>, res: PorticoResponse, err: unknown): void {
    this.server.emitError(`Answering failed: ${req.method} ${req.path}`, err)
    if (!res.handlerSettled) handlerSettled(res)
    if (!res.finished) res.sink.destroy()
  }

  private next(): void {
    this.active--
    while (this.head < this.waiting.length) {
      const w = this.waiting[this.head]
      this.waiting[this.head++] = undefined as unknown as Waiting
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head)
        this.head = 0
      }
      if (w.res.finished) {
        handlerSettled(w.res)
        continue
      }
      this.start(w.req, w.res, w.entry)
      return
    }
  }
}
