/**
 * The primary's wait for one new worker to serve: it serves once it reports ready (or its first
 * `listen`); it fails when it exits first (with the startup error the worker reported over IPC,
 * such as `EADDRINUSE`) or when `startTimeoutMs` passes (then it is killed).
 * @module
 */
import type { Worker } from 'node:cluster'
import { isControl, type StartupFailure } from './worker.js'

/** How long to wait, after a worker exited, for its IPC channel to deliver its last message. */
const LAST_MESSAGE_MS = 500

/**
 * Resolves once `worker` serves. Rejects when it exits before (the error's `cause` is the
 * worker's own startup error when it reported one), or when it does not serve within
 * `timeoutMs`: then it is SIGKILLed, and the rejection does not wait for its exit.
 *
 * @example
 * ```ts
 * const worker = nodeCluster.fork()
 * await untilServing(worker, 30_000)
 * ```
 */
export function untilServing(worker: Worker, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let reported: StartupFailure | undefined
    let settled = false
    const finish = (error?: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      worker.off('message', onMessage)
      worker.off('listening', onListening)
      worker.off('exit', onExit)
      if (error === undefined) resolve()
      else reject(error)
    }
    const onMessage = (message: unknown): void => {
      if (!isControl(message)) return
      if (message.type === 'ready') finish()
      else if (message.type === 'failed' && message.error !== undefined) reported = message.error
    }
    const onListening = (): void => finish()
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer)
      const fail = (): void => finish(exitedError(worker, code, signal, reported))
      // 'exit' may come before the channel delivered the worker's last message (its startup
      // error): wait for the channel to close, briefly.
      if (!worker.isConnected()) return fail()
      worker.once('disconnect', fail)
      setTimeout(fail, LAST_MESSAGE_MS).unref()
    }
    const timer = setTimeout(() => {
      worker.process.kill('SIGKILL')
      finish(new Error(`Worker ${worker.process.pid} did not serve within ${timeoutMs} ms and was killed`))
    }, timeoutMs)
    worker.on('message', onMessage)
    worker.once('listening', onListening)
    worker.once('exit', onExit)
  })
}

/** The error of a worker that exited before serving, with its own startup error as `cause`. */
function exitedError(worker: Worker, code: number | null, signal: string | null, reported: StartupFailure | undefined): Error {
  const how = `Worker ${worker.process.pid} ${signal === null ? `exited with code ${code}` : `was killed by ${signal}`} before serving`
  if (reported === undefined) return new Error(how)
  const cause = Object.assign(new Error(reported.message), reported.code === undefined ? {} : { code: reported.code })
  const prefix = reported.code !== undefined && !reported.message.includes(reported.code) ? `${reported.code}: ` : ''
  return new Error(`${how}: ${prefix}${reported.message}`, { cause })
}
