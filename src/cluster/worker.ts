/**
 * The worker side of `cluster()`: runs the setup, tells the primary it is ready (or why it could
 * not start), and stops gracefully when the primary asks (or on SIGTERM, even during the
 * setup), then exits.
 * @module
 */
import nodeCluster from 'node:cluster'

/** What a worker's setup may return: something with a graceful `stop` (a Portico `Server`). */
export interface Stoppable {
  stop(options?: { graceful?: boolean; timeout?: number }): Promise<void>
}

/** Why a worker's setup failed, as it tells the primary before exiting. */
export interface StartupFailure {
  /** The error's `code` (`EADDRINUSE`, a `PORTICO_ERR_*`), when it has one. */
  code?: string
  message: string
}

/** The IPC messages between the supervisor and its workers. */
export interface ClusterControl {
  portico: 'cluster'
  type: 'ready' | 'stop' | 'failed'
  /** `stop`: how long the worker has to stop gracefully. */
  timeout?: number
  /** `failed`: why the setup failed. */
  error?: StartupFailure
}

/** Whether an IPC message is one of the supervisor's. */
export function isControl(value: unknown): value is ClusterControl {
  return typeof value === 'object' && value !== null && (value as ClusterControl).portico === 'cluster'
}

/** How long a stopped worker stays to answer connection hand-offs already on their way. */
const HANDOFF_GRACE_MS = 250

const stoppables: Stoppable[] = []
let installed = false
let stopping = false
/** The setup while it runs (and registers what it returned). */
let booting: Promise<void> | undefined

/**
 * Registers what a worker stops before it exits when the supervisor asks (rolling restart,
 * shutdown). `cluster({ setup })` registers what `setup` returns; a worker started from a
 * `script` calls this itself, then `workerReady()`.
 *
 * @example
 * ```ts
 * const server = createServer(); await server.listen(8080)
 * onWorkerStop(server); workerReady()
 * ```
 */
export function onWorkerStop(target: Stoppable): void {
  stoppables.push(target)
  install()
}

/**
 * Tells the supervisor this worker serves (else it waits for the worker's first `listen`).
 *
 * @example
 * ```ts
 * workerReady()
 * ```
 */
export function workerReady(): void {
  install()
  process.send?.({ portico: 'cluster', type: 'ready' } satisfies ClusterControl)
}

/**
 * Runs `setup` in this worker, registers its result, and reports ready; when `setup` throws,
 * tells the primary why (code and message), then rethrows.
 */
export async function runWorker(setup: () => unknown): Promise<void> {
  install()
  const run = (async () => {
    let result: unknown
    try {
      result = await setup()
    } catch (error) {
      await reportFailure(error)
      throw error
    }
    if (result !== null && typeof result === 'object' && typeof (result as Stoppable).stop === 'function') onWorkerStop(result as Stoppable)
  })()
  booting = run
  await run
  booting = undefined
  if (!stopping) workerReady()
}

/** Sends the setup's error to the primary; resolves once sent (the worker exits next). */
function reportFailure(error: unknown): Promise<void> {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown }
  const failure: StartupFailure = { message: typeof e.message === 'string' ? e.message : String(error) }
  if (typeof e.code === 'string') failure.code = e.code
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve()
    process.send({ portico: 'cluster', type: 'failed', error: failure } satisfies ClusterControl, undefined, {}, () => resolve())
  })
}

function install(): void {
  if (installed || !nodeCluster.isWorker) return
  installed = true
  process.on('message', (message: unknown) => {
    if (isControl(message) && message.type === 'stop') void stopWorker(message.timeout ?? 10_000)
  })
  // The primary sends SIGTERM, not a message, to a worker that has not reported ready yet.
  process.on('SIGTERM', () => void stopWorker(10_000))
  // Ctrl-C reaches the whole process group: the primary decides, the worker waits to be told.
  process.on('SIGINT', () => {})
}

async function stopWorker(timeout: number): Promise<void> {
  if (stopping) return
  stopping = true
  // Asked to stop during the setup: let it finish, then stop what it started.
  if (booting !== undefined) await waitUpTo(booting, timeout)
  await Promise.allSettled(stoppables.map((s) => s.stop({ graceful: true, timeout })))
  // The primary may have handed this worker a connection just before it learnt the listener
  // closed: stay long enough to answer that hand-off (refused, the primary gives the
  // connection to another worker); exiting at once would leave it open and unanswered.
  await new Promise((resolve) => setTimeout(resolve, HANDOFF_GRACE_MS))
  process.exit(0)
}

/** Waits for `promise` to settle, or `ms` at most. */
async function waitUpTo(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}
