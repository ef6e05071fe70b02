/**
 * The worker side of `cluster()`: runs the setup, tells the primary it is ready, and stops
 * gracefully when the primary asks (or on SIGTERM), then exits.
 * @module
 */
import nodeCluster from 'node:cluster'

/** What a worker's setup may return: something with a graceful `stop` (a Portico `Server`). */
export interface Stoppable {
  stop(options?: { graceful?: boolean; timeout?: number }): Promise<void>
}

/** The IPC messages between the supervisor and its workers. */
export interface ClusterControl {
  portico: 'cluster'
  type: 'ready' | 'stop'
  timeout?: number
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

/** Runs `setup` in this worker, registers its result, and reports ready. */
export async function runWorker(setup: () => unknown): Promise<void> {
  install()
  const result = await setup()
  if (result !== null && typeof result === 'object' && typeof (result as Stoppable).stop === 'function') onWorkerStop(result as Stoppable)
  workerReady()
}

function install(): void {
  if (installed || !nodeCluster.isWorker) return
  installed = true
  process.on('message', (message: unknown) => {
    if (isControl(message) && message.type === 'stop') void stopWorker(message.timeout ?? 10_000)
  })
  process.on('SIGTERM', () => void stopWorker(10_000))
  // Ctrl-C reaches the whole process group: the primary decides, the worker waits to be told.
  process.on('SIGINT', () => {})
}

async function stopWorker(timeout: number): Promise<void> {
  if (stopping) return
  stopping = true
  await Promise.allSettled(stoppables.map((s) => s.stop({ graceful: true, timeout })))
  // The primary may have handed this worker a connection just before it learnt the listener
  // closed: stay long enough to answer that hand-off (refused, the primary gives the
  // connection to another worker); exiting at once would leave it open and unanswered.
  await new Promise((resolve) => setTimeout(resolve, HANDOFF_GRACE_MS))
  process.exit(0)
}
