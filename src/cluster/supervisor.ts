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
import { isControl, type ClusterControl } from './worker.js'

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
  /** How long to wait for a new worker to serve. Default 30 s. */
  startTimeoutMs?: number
}

/**
 * Supervises the workers; made by `cluster()` in the primary. Events: `workerStarted(pid)`,
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
  private readonly live = new Set<Worker>()
  private readonly retiring = new Set<Worker>()
  private readonly started = new Map<Worker, number>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private crashes = 0
  private stopping = false
  private reloading: Promise<void> | undefined
  private reloadAgain = false

  /** @internal use `cluster()` */
  constructor(options: SupervisorOptions) {
    super()
    this.options = { restartDelayMs: 100, maxRestartDelayMs: 10_000, stableAfterMs: 10_000, stopTimeoutMs: 10_000, startTimeoutMs: 30_000, ...options }
    relayClusterHub()
    if (options.script !== undefined) nodeCluster.setupPrimary({ exec: options.script, args: options.args ?? [] })
    else if (options.args !== undefined) nodeCluster.setupPrimary({ args: options.args })
  }

  /** Process ids of the serving workers. */
  get pids(): number[] {
    return [...this.live].map((w) => w.process.pid ?? 0)
  }

  /** @internal forks every worker; resolves when all serve */
  async start(): Promise<void> {
    const starting = Array.from({ length: this.options.workers }, () => this.spawn())
    try {
      await Promise.all(starting)
    } catch (error) {
      await this.stop()
      throw new PorticoError('PORTICO_ERR_CLUSTER_START', 'A worker did not start', { cause: error })
    }
  }

  /**
   * Restarts the workers one at a time: a new worker first, then the old one stops gracefully.
   * A reload asked during a reload runs once more after it.
   *
   * @example
   * ```ts
   * process.on('SIGUSR2', () => void supervisor.reload())
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
        for (const old of [...this.live]) {
          if (this.stopping) return
          if (!this.live.has(old)) continue
          await this.spawn()
          await this.retire(old)
        }
      } while (this.reloadAgain && !this.stopping)
      this.emit('reloaded')
    })().finally(() => (this.reloading = undefined))
    return this.reloading
  }

  /**
   * Stops every worker gracefully (each gets `stopTimeoutMs`, then is killed).
   *
   * @example
   * ```ts
   * await supervisor.stop()
   * ```
   */
  async stop(): Promise<void> {
    this.stopping = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await Promise.all([...this.live, ...this.retiring].map((w) => this.retire(w)))
  }

  private spawn(): Promise<Worker> {
    const worker = nodeCluster.fork(this.options.env ?? {})
    this.live.add(worker)
    this.started.set(worker, Date.now())
    worker.on('exit', (code, signal) => this.exited(worker, code, signal))
    return new Promise((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer)
        worker.off('message', onMessage)
        worker.off('listening', onListening)
        worker.off('exit', onExit)
        if (error === undefined) {
          this.emit('workerStarted', worker.process.pid)
          resolve(worker)
        } else reject(error)
      }
      const onMessage = (message: unknown): void => {
        if (isControl(message) && message.type === 'ready') done()
      }
      const onListening = (): void => done()
      const onExit = (code: number | null): void => done(new Error(`Worker exited with code ${code} before serving`))
      const timer = setTimeout(() => done(new Error(`Worker did not serve within ${this.options.startTimeoutMs} ms`)), this.options.startTimeoutMs)
      worker.on('message', onMessage)
      worker.once('listening', onListening)
      worker.once('exit', onExit)
    })
  }

  private retire(worker: Worker): Promise<void> {
    this.live.delete(worker)
    this.retiring.add(worker)
    if (worker.isDead()) {
      this.retiring.delete(worker)
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const kill = setTimeout(() => worker.process.kill('SIGKILL'), this.options.stopTimeoutMs + 1000)
      worker.once('exit', () => {
        clearTimeout(kill)
        this.retiring.delete(worker)
        resolve()
      })
      if (worker.isConnected()) worker.send({ portico: 'cluster', type: 'stop', timeout: this.options.stopTimeoutMs } satisfies ClusterControl, undefined, () => {})
      else worker.process.kill('SIGTERM')
    })
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    const unexpected = this.live.delete(worker) && !this.stopping
    const lived = Date.now() - (this.started.get(worker) ?? 0)
    this.started.delete(worker)
    this.emit('workerExited', worker.process.pid, code, signal, unexpected)
    if (!unexpected) return
    if (lived >= this.options.stableAfterMs) this.crashes = 0
    const delay = Math.min(this.options.maxRestartDelayMs, this.options.restartDelayMs * 2 ** this.crashes)
    this.crashes++
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (!this.stopping) this.spawn().catch(() => {})
    }, delay)
    this.timers.add(timer)
  }
}
