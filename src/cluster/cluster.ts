/**
 * `cluster()`: run a Portico app on every core. The same call works in the primary (it
 * supervises) and in each worker (it runs `setup`), as with `node:cluster` itself.
 * @module
 */
import nodeCluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { Supervisor, type SupervisorOptions } from './supervisor.js'
import { runWorker } from './worker.js'

/** Options of {@link cluster}. */
export interface ClusterOptions extends Partial<SupervisorOptions> {
  /**
   * Runs in each worker: start the server there and return it (anything with a graceful
   * `stop()`), so the supervisor can stop it before the worker exits.
   */
  setup?: () => unknown
  /** SIGHUP reloads, SIGTERM and SIGINT stop then exit (default true). */
  signals?: boolean
}

/**
 * Starts `workers` processes sharing the listening port. In the primary, resolves the
 * {@link Supervisor} once every worker serves, or rejects (`PORTICO_ERR_CLUSTER_START`, with
 * the failing worker's own error, such as `EADDRINUSE`, as the last `cause`) after stopping
 * the others and removing its signal handlers; in a worker, runs `setup` and resolves
 * `undefined` (rejects with the setup's error, reported to the primary first). A dying worker
 * is restarted with backoff; SIGHUP restarts the workers one at a time gracefully;
 * SIGTERM/SIGINT stop them all gracefully and exit.
 *
 * @example
 * ```ts
 * await cluster({
 *   workers: 4,
 *   setup: async () => {
 *     const server = createServer()
 *     attachHub(server, clusterHub())
 *     server.get('/', () => 'hello from ' + process.pid)
 *     return server.listen(8080)
 *   },
 * })
 * ```
 */
export async function cluster(options: ClusterOptions = {}): Promise<Supervisor | undefined> {
  if (nodeCluster.isWorker) {
    if (options.setup !== undefined) await runWorker(options.setup)
    return undefined
  }
  const { setup: _setup, signals = true, ...rest } = options
  const supervisor = new Supervisor({ ...rest, workers: Math.max(1, options.workers ?? availableParallelism()) })
  const reload = (): void => void supervisor.reload().catch((e: unknown) => console.error('portico cluster: reload failed', e))
  const shutdown = (): void => {
    process.off('SIGHUP', reload)
    void supervisor.stop().finally(() => process.exit(0))
  }
  if (signals) {
    process.on('SIGHUP', reload)
    process.once('SIGTERM', shutdown)
    process.once('SIGINT', shutdown)
  }
  try {
    await supervisor.start()
  } catch (error) {
    // Nothing is left to reload or stop: a later signal must not exit the process with 0.
    process.off('SIGHUP', reload)
    process.off('SIGTERM', shutdown)
    process.off('SIGINT', shutdown)
    throw error
  }
  return supervisor
}
