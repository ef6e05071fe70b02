/**
 * The primary side of `cluster()`: forks the workers (which share the listening port through
 * `node:cluster`), restarts a worker that dies with an exponential backoff, restarts them one at
 * a time on SIGHUP (the new worker serves before the old one stops gracefully, so no request is
 * dropped), and stops them all gracefully on SIGTERM or SIGINT.
 * @module
 */
import nodeCluster, { type Worker } from 'node:cluster'
import { EventEmitter } from 'node:events'
import { PorticoError } from '../errors.js'
import { relayClusterHub } from '../hub/cluster-hub.js'
import type { ClusterControl } from './worker.js'
import { untilServing } from './worker-start.js'

/** Settings of the supervisor (see `cluster()`). */
export interface SupervisorOptions {
  /** Number of workers. */
  workers: number
  /** The worker's entry file (default: the primary's own script). */
  script?: string
  /** Arguments of the worker's entry. */
  args?: string[]
  /** Extra environment of every worker. */
  env?: Record<string, string>
  /** First restart delay after a worker dies, doubled on each quick death. Default 100 ms. */
  restartDelayMs?: number
  /** Longest restart delay. Default 10 s. */
  maxRestartDelayMs?: number
  /** A worker that lived this long resets the backoff. Default 10 s. */
  stableAfterMs?: number
  /** Time a worker has to stop gracefully before it is killed. Default 10 s. */
  stopTimeoutMs?: number
  /** How long a new worker has to serve before it is killed (and, after a crash, replaced). Default 30 s. */
  startTimeoutMs?: number
}

/**
 * Supervises the workers; made by `cluster()` in the primary. Each of the `workers` places holds
 * one worker: a crash refills its place (never more than `workers` run, but during a reload, the
 * new worker of one place starts before the old one stops). Events: `workerStarted(pid)`,
 * `workerExited(pid, code, signal, restarting)`, `reloaded()`.
 *
 * @example
 * ```ts
 * const sup = await cluster({ workers: 4, setup })
 * if (sup) sup.on('workerExited', (pid, code) => console.log('worker', pid, 'exited', code))
 * ```
 */
export class Supervisor extends EventEmitter {
  private readonly options: Required<Omit<SupervisorOptions, 'script' | 'args' | 'env'>> & SupervisorOptions
  /** The worker of each place; `undefined` while a restart waits. */
  private readonly slots: Array<Worker | undefined>
  /** Every forked worker that has not exited yet. */
  private readonly alive = new Set<Worker>()
  /** The workers that reported ready. */
  private readonly ready = new Set<Worker>()
  private readonly retiring = new Map<Worker, Promise<void>>()
  private readonly started = new Map<Worker, number>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private crashes = 0
  /** Crashed workers are restarted: once `start()` succeeded, until `stop()`. */
  private running = false
  private stopping = false
  private reloading: Promise<void> | undefined
  private reloadAgain = false

  /** @internal use `cluster()` */
  constructor(options: SupervisorOptions) {
    super()
    this.options = { restartDelayMs: 100, maxRestartDelayMs: 10_000, stableAfterMs: 10_000, stopTimeoutMs: 10_000, startTimeoutMs: 30_000, ...options }
    this.slots = Array.from({ length: this.options.workers }, () => undefined)
    relayClusterHub()
    if (options.script !== undefined) nodeCluster.setupPrimary({ exec: options.script, args: options.args ?? [] })
    else if (options.args !== undefined) nodeCluster.setupPrimary({ args: options.args })
  }

  /** Process ids of the serving workers (a worker still starting is not listed). */
  get pids(): number[] {
    return this.slots.filter((w): w is Worker => w !== undefined && this.ready.has(w)).map((w) => w.process.pid ?? 0)
  }

  /** @internal forks every worker; resolves when all serve */
  async start(): Promise<void> {
    try {
      await Promise.all(this.slots.map((_, slot) => this.fill(slot)))
    } catch (error) {
      await this.stop()
      const reason = error instanceof Error ? error.message : String(error)
      throw new PorticoError('PORTICO_ERR_CLUSTER_START', `A worker did not start: ${reason}`, { cause: error })
    }
    if (!this.stopping) this.running = true
  }

  /**
   * Restarts the workers one at a time: a new worker first, then the old one stops gracefully.
   * A reload asked during a reload runs once more after it. When a new worker does not start,
   * the reload stops there and rejects (`PORTICO_ERR_CLUSTER_START`, the worker's error as
   * `cause`): that worker is not restarted, and the old workers keep serving.
   *
   * @example
   * ```ts
   * process.on('SIGUSR2', () => void supervisor.reload().catch((e) => console.error(e.message)))
   * ```
   */
  reload(): Promise<void> {
    if (this.reloading !== undefined) {
      this.reloadAgain = true
      return this.reloading
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false
        const olds = [...this.slots]
        for (const [slot, old] of olds.entries()) {
          if (this.stopping) return
          // A place whose worker crashed (or is starting) since gets the new code anyway.
          if (old === undefined || this.slots[slot] !== old || !this.ready.has(old)) continue
          await this.replace(slot)
        }
      } while (this.reloadAgain && !this.stopping)
      if (!this.stopping) this.emit('reloaded')
    })().finally(() => (this.reloading = undefined))
    return this.reloading
  }

  /**
   * Stops every worker gracefully (each gets `stopTimeoutMs`, then is killed). A worker still
   * starting gets SIGTERM, which it takes as a graceful stop.
   *
   * @example
   * ```ts
   * await supervisor.stop()
   * ```
   */
  async stop(): Promise<void> {
    this.stopping = true
    this.running = false
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await Promise.all([...this.alive].map((w) => this.retire(w)))
  }

  private fork(): Worker {
    const worker = nodeCluster.fork(this.options.env ?? {})
    this.alive.add(worker)
    this.started.set(worker, Date.now())
    worker.on('exit', (code, signal) => this.exited(worker, code, signal))
    return worker
  }

  /** Resolves once `worker` serves; a worker too slow to serve is killed. */
  private async serving(worker: Worker): Promise<void> {
    await untilServing(worker, this.options.startTimeoutMs)
    this.ready.add(worker)
    this.emit('workerStarted', worker.process.pid)
  }

  /** Starts a worker in the empty place `slot`. If it fails, its exit restarts the place. */
  private fill(slot: number): Promise<void> {
    const worker = this.fork()
    this.slots[slot] = worker
    return this.serving(worker)
  }

  /** Reload of one place: a new worker, outside the places until it serves, then the swap. */
  private async replace(slot: number): Promise<void> {
    const fresh = this.fork()
    try {
      await this.serving(fresh)
    } catch (error) {
      if (this.stopping) return
      const reason = error instanceof Error ? error.message : String(error)
      throw new PorticoError('PORTICO_ERR_CLUSTER_START', `Reload stopped, the old workers keep serving: a new worker did not start: ${reason}`, { cause: error })
    }
    if (this.stopping) return
    const current = this.slots[slot]
    this.slots[slot] = fresh
    if (current !== undefined) await this.retire(current)
  }

  private retire(worker: Worker): Promise<void> {
    const slot = this.slots.indexOf(worker)
    if (slot !== -1) this.slots[slot] = undefined
    const pending = this.retiring.get(worker)
    if (pending !== undefined) return pending
    if (!this.alive.has(worker)) return Promise.resolve()
    const done = new Promise<void>((resolve) => {
      const kill = setTimeout(() => worker.process.kill('SIGKILL'), this.options.stopTimeoutMs + 1000)
      worker.once('exit', () => {
        clearTimeout(kill)
        this.retiring.delete(worker)
        resolve()
      })
      // A worker that has not reported ready may not listen for messages yet: a message would
      // be lost, a signal is not.
      if (this.ready.has(worker) && worker.isConnected()) worker.send({ portico: 'cluster', type: 'stop', timeout: this.options.stopTimeoutMs } satisfies ClusterControl, undefined, () => {})
      else worker.process.kill('SIGTERM')
    })
    this.retiring.set(worker, done)
    return done
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    this.alive.delete(worker)
    this.ready.delete(worker)
    const lived = Date.now() - (this.started.get(worker) ?? 0)
    this.started.delete(worker)
    const slot = this.slots.indexOf(worker)
    if (slot !== -1) this.slots[slot] = undefined
    const restarting = slot !== -1 && this.running && !this.stopping
    this.emit('workerExited', worker.process.pid, code, signal, restarting)
    if (restarting) this.restartLater(slot, lived)
  }

  /** Refills `slot` after the backoff delay, unless it was refilled (by a reload) meanwhile. */
  private restartLater(slot: number, lived: number): void {
    if (lived >= this.options.stableAfterMs) this.crashes = 0
    const delay = Math.min(this.options.maxRestartDelayMs, this.options.restartDelayMs * 2 ** this.crashes)
    this.crashes++
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.running && this.slots[slot] === undefined) this.fill(slot).catch(() => {})
    }, delay)
    this.timers.add(timer)
  }
}
