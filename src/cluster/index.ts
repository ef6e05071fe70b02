/**
 * `portico/cluster`: worker processes sharing one port, supervised (restart with backoff,
 * rolling restart on SIGHUP, graceful stop on SIGTERM).
 * @module
 */
export { cluster, type ClusterOptions } from './cluster.js'
export { Supervisor, type SupervisorOptions } from './supervisor.js'
export { onWorkerStop, workerReady, type Stoppable } from './worker.js'
