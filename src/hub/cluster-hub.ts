/**
 * The hub between the worker processes of one machine (`node:cluster`), with no external
 * service: a worker sends each frame to the primary over IPC, and the primary relays it to every
 * other worker (never back to the sender). Frames travel base64-encoded so they pass either IPC
 * serialization (`json` or `advanced`) unchanged; the primary forwards them without decoding.
 * @module
 */
import cluster, { type Worker } from 'node:cluster'
import { PorticoError } from '../errors.js'
import { BaseHub } from './hub.js'

/** The IPC message a frame travels in. */
interface HubEnvelope {
  portico: 'hub'
  topic: string
  frame: string
}

function isEnvelope(value: unknown): value is HubEnvelope {
  return typeof value === 'object' && value !== null && (value as HubEnvelope).portico === 'hub' && typeof (value as HubEnvelope).topic === 'string'
}

const primaryHubs = new Set<ClusterHub>()
let relaying = false

/**
 * Installs, in the primary, the relay that forwards each worker's hub frames to every other
 * worker (and to hubs made in the primary). Idempotent; `cluster()` and `clusterHub()` in the
 * primary call it for you.
 *
 * @example
 * ```ts
 * if (cluster.isPrimary) { relayClusterHub(); for (let i = 0; i < 4; i++) cluster.fork() }
 * ```
 */
export function relayClusterHub(): void {
  if (relaying || !cluster.isPrimary) return
  relaying = true
  cluster.on('message', (from: Worker, message: unknown) => {
    if (!isEnvelope(message)) return
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker !== undefined && worker !== from && worker.isConnected()) worker.send(message, undefined, ignoreSendError)
    }
    for (const hub of primaryHubs) hub.fromRelay(message)
  })
}

function ignoreSendError(): void {}

/**
 * A hub across the processes of a `node:cluster` (primary and workers), relayed by the
 * primary over IPC. Usually made with {@link clusterHub}.
 *
 * @example
 * ```ts
 * attachHub(server, clusterHub()) // in each worker
 * ```
 */
export class ClusterHub extends BaseHub {
  readonly kind = 'cluster'
  private readonly onMessage = (message: unknown): void => {
    if (isEnvelope(message)) this.fromRelay(message)
  }

  constructor() {
    super()
    if (cluster.isWorker) process.on('message', this.onMessage)
    else {
      relayClusterHub()
      primaryHubs.add(this)
    }
  }

  /** @internal a frame relayed by the primary (or seen by it) */
  fromRelay(message: HubEnvelope): void {
    this.receive(message.topic, Buffer.from(message.frame, 'base64'))
  }

  protected transmit(topic: string, frame: Buffer): Promise<boolean> {
    const envelope: HubEnvelope = { portico: 'hub', topic, frame: frame.toString('base64') }
    if (!cluster.isWorker) {
      for (const worker of Object.values(cluster.workers ?? {})) {
        if (worker !== undefined && worker.isConnected()) worker.send(envelope, undefined, ignoreSendError)
      }
      return Promise.resolve(true)
    }
    if (process.send === undefined || !process.connected) return Promise.resolve(this.failed(undefined))
    return new Promise((resolve) => {
      process.send?.(envelope, undefined, {}, (error: Error | null) => resolve(error === null || error === undefined ? true : this.failed(error)))
    })
  }

  protected override async shutdown(): Promise<void> {
    process.off('message', this.onMessage)
    primaryHubs.delete(this)
  }

  private failed(cause: unknown): false {
    this.report(new PorticoError('PORTICO_ERR_HUB_PUBLISH_FAILED', 'The IPC channel to the cluster primary is closed', { cause }))
    return false
  }
}

/**
 * Creates a hub across `node:cluster` workers: in a worker it talks to the primary; in the
 * primary it installs the relay (and publishes to every worker). Create one per process.
 *
 * @example
 * ```ts
 * const hub = clusterHub()
 * attachHub(server, hub)   // server.broadcast now reaches the clients of every worker
 * ```
 */
export function clusterHub(): ClusterHub {
  return new ClusterHub()
}
