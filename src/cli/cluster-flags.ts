/**
 * `--workers N` and `--redis URL`, shared by `portico serve` and `portico chat`: parsing, the
 * help lines, and {@link runScaled}, which runs a server in one process or under `cluster()`,
 * joined to its siblings through a hub (`clusterHub()` between workers, `redisHub()` across
 * processes and machines), and stops it gracefully on Ctrl-C or SIGTERM.
 * @module
 */
import nodeCluster from 'node:cluster'
import { createServer as createNetServer } from 'node:net'
import { cluster } from '../cluster/cluster.js'
import { attachHub } from '../hub/attach.js'
import { clusterHub } from '../hub/cluster-hub.js'
import type { Hub } from '../hub/hub.js'
import { redisHub } from '../hub/redis-hub.js'
import type { Server } from '../server/server.js'
import { describeListenError } from './listen-errors.js'

/**
 * A command-line mistake: shown as one line, exit code 2.
 *
 * @example
 * ```ts
 * throw new UsageError("--workers needs a whole number ≥ 1, not 'x'")
 * ```
 */
export class UsageError extends Error {}

/** What `parseArgs` needs to know of an option here. */
type FlagSpec = { readonly type: 'string' | 'boolean'; readonly short?: string }

/**
 * Prepares arguments for `parseArgs`: an option taking a value that is followed by a negative
 * number (`--timeout -1`) takes it as its value (`--timeout=-1`), so that the option's own check
 * says what it needs instead of `parseArgs` calling the argument "ambiguous".
 *
 * @example
 * ```ts
 * joinNegativeValues(['--timeout', '-1', '-q'], { timeout: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } })
 * // ['--timeout=-1', '-q']
 * ```
 */
export function joinNegativeValues(argv: readonly string[], options: Readonly<Record<string, FlagSpec>>): string[] {
  const takesValue = new Set<string>()
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== 'string') continue
    takesValue.add(`--${name}`)
    if (spec.short !== undefined) takesValue.add(`-${spec.short}`)
  }
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const next = argv[i + 1]
    if (arg === '--') {
      out.push(...argv.slice(i))
      break
    }
    if (takesValue.has(arg) && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`)
      i++
    } else {
      out.push(arg)
    }
  }
  return out
}

/**
 * The {@link UsageError} for an error of `parseArgs`, in one line (`--port needs a value` rather
 * than its three lines about an "ambiguous" argument).
 *
 * @example
 * ```ts
 * try { parseArgs({ args, options }) } catch (err) { throw flagError(err) }
 * ```
 */
export function flagError(err: unknown): UsageError {
  const message = (err as Error).message
  const ambiguous = /^Option '([^']+)' argument is ambiguous/.exec(message)
  if (ambiguous !== null) return new UsageError(`${ambiguous[1]} needs a value`)
  return new UsageError(message.split('\n')[0])
}

/**
 * Parses a command's arguments: the config, or the exit code when there is nothing more to
 * do (`--help` printed: 0; a usage error explained in one line: 2).
 *
 * @example
 * ```ts
 * const config = parseCommandArgs('chat', argv, parseChatArgs, CHAT_HELP)
 * if (typeof config === 'number') return config
 * ```
 */
export function parseCommandArgs<T extends { help: boolean }>(
  command: string,
  argv: string[],
  parse: (argv: string[]) => T,
  help: string,
): T | number {
  let config: T
  try {
    config = parse(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`portico ${command}: ${err.message}\nTry 'portico ${command} --help'.\n`)
    return 2
  }
  if (config.help) {
    process.stdout.write(`${help}\n`)
    return 0
  }
  return config
}

/**
 * The `parseArgs` option specs of the two flags.
 *
 * @example
 * ```ts
 * parseArgs({ args, options: { port: { type: 'string' }, ...SCALE_OPTIONS } })
 * ```
 */
export const SCALE_OPTIONS = {
  workers: { type: 'string' },
  redis: { type: 'string' },
} as const

/**
 * The help lines of the two flags (indented as the commands' other options).
 *
 * @example
 * ```ts
 * const HELP = `Options:\n  -p, --port <n>   Port\n${SCALE_HELP}`
 * ```
 */
export const SCALE_HELP = `      --workers <n>         Run n worker processes sharing the port (messages reach every worker)
      --redis <url>         Join other processes and machines through Redis (redis://host:port)`

/** How a command scales out. */
export interface ScaleConfig {
  /** Worker processes (1: this process serves). */
  readonly workers: number
  /** Redis URL, when the processes meet through Redis. */
  readonly redis: string | undefined
}

/** The environment variable through which the primary tells its workers the port. */
const PORT_ENV = 'PORTICO_CLI_PORT'

/**
 * Reads `--workers` and `--redis` from parsed values; throws a {@link UsageError}.
 *
 * @example
 * ```ts
 * parseScale({ workers: '4' }) // { workers: 4, redis: undefined }
 * ```
 */
export function parseScale(values: { workers?: string | undefined; redis?: string | undefined }): ScaleConfig {
  let workers = 1
  if (values.workers !== undefined) {
    if (!/^\d+$/.test(values.workers) || Number(values.workers) < 1) throw new UsageError(`--workers needs a whole number ≥ 1, not '${values.workers}'`)
    workers = Number(values.workers)
  }
  const redis = values.redis
  if (redis !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redis)) throw new UsageError(`--redis needs a URL such as redis://127.0.0.1:6379, not '${redis}'`)
  return { workers, redis }
}

/** What {@link runScaled} needs from a command. */
export interface ScaledCommand {
  /** The command's name, for messages (`chat`, `serve`). */
  readonly name: string
  readonly scale: ScaleConfig
  readonly port: number
  readonly addr: string
  /** Builds the server (not listening). Runs in each worker under `--workers`. */
  build(): Server
  /** Starts listening (default `server.listen(port, addr)`). */
  listen?(server: Server, port: number): Promise<unknown>
  /** Prints where the server is, once it serves. */
  announce(port: number): void
  readonly out: (line: string) => void
  readonly fail: (line: string) => void
}

/** Connects the hub a process joins, or `undefined` when it is alone. */
async function joinHub(command: ScaledCommand, server: Server): Promise<Hub | undefined> {
  const { redis, workers } = command.scale
  if (redis !== undefined) {
    const hub = await redisHub({ url: redis, prefix: `portico:${command.name}:` })
    attachHub(server, hub, { replay: hub.replayStore() })
    return hub
  }
  if (workers > 1) {
    const hub = clusterHub()
    attachHub(server, hub)
    return hub
  }
  return undefined
}

/** The one line telling why Redis could not be joined. */
function redisFailure(command: ScaledCommand, err: unknown): string {
  const e = err as { code?: string; message?: string }
  if (e.code === 'PORTICO_ERR_HUB_DEPENDENCY_MISSING') return `--redis: ${e.message ?? 'ioredis is not installed'}`
  return `cannot reach Redis at ${command.scale.redis ?? ''}: ${e.message ?? String(err)}`
}

/** Whether Redis answers at `url`; prints the one-line error when not. */
async function redisAnswers(command: ScaledCommand): Promise<boolean> {
  try {
    const hub = await redisHub({ url: command.scale.redis, connectTimeoutMs: 3000 })
    await hub.close()
    return true
  } catch (err) {
    command.fail(redisFailure(command, err))
    return false
  }
}

/** Checks the port is free (and picks one for port 0) before forking the workers. */
function probePort(port: number, addr: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer()
    probe.once('error', reject)
    probe.listen(port, addr, () => {
      const address = probe.address()
      const actual = typeof address === 'object' && address !== null ? address.port : port
      probe.close(() => resolve(actual))
    })
  })
}

/** Waits for Ctrl-C or SIGTERM, stops gracefully (a second Ctrl-C forces), resolves the exit code. */
function untilSignal(command: ScaledCommand, stop: (graceful: boolean) => Promise<void>): Promise<number> {
  return new Promise<number>((resolveExit) => {
    let stopping = false
    const onSignal = (): void => {
      if (stopping) {
        // 130 at once: the graceful stop, cut short by the forced one, must not resolve 0 first.
        command.out('Forcing stop.')
        resolveExit(130)
        void stop(false)
        return
      }
      stopping = true
      command.out('Stopping (Ctrl-C again to force)…')
      void stop(true).then(() => {
        process.removeListener('SIGINT', onSignal)
        process.removeListener('SIGTERM', onSignal)
        resolveExit(0)
      })
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}

const listenOf = (command: ScaledCommand) => (server: Server, port: number): Promise<unknown> =>
  command.listen === undefined ? server.listen(port, command.addr) : command.listen(server, port)

/** One process: build, join the hub, listen, wait for a signal. */
async function runSingle(command: ScaledCommand): Promise<number> {
  const server = command.build()
  let hub: Hub | undefined
  try {
    hub = await joinHub(command, server)
  } catch (err) {
    command.fail(redisFailure(command, err))
    return 1
  }
  try {
    await listenOf(command)(server, command.port)
  } catch (err) {
    command.fail(describeListenError(err, command.port, command.addr))
    await hub?.close()
    return 1
  }
  command.announce(server.getPort())
  return untilSignal(command, async (graceful) => {
    await server.stop(graceful ? { graceful: true, timeout: 5000 } : { graceful: false })
    await hub?.close()
  })
}

/** A worker of `--workers`: build, join, listen on the port the primary chose; never resolves. */
async function runWorkerSide(command: ScaledCommand): Promise<number> {
  const port = Number(process.env[PORT_ENV])
  await cluster({
    setup: async () => {
      const server = command.build()
      const hub = await joinHub(command, server)
      await listenOf(command)(server, port)
      return {
        stop: async (options?: { graceful?: boolean; timeout?: number }) => {
          await server.stop(options)
          await hub?.close()
        },
      }
    },
  })
  return new Promise<number>(() => {})
}

/** The one line telling why the workers did not start: a worker's listen error as when alone. */
function startFailure(err: unknown, port: number, addr: string): string {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e !== undefined && e !== null; e = e.cause as typeof e) {
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') return describeListenError(e, port, addr)
  }
  return `the workers did not start: ${(err as Error).message}`
}

/** The primary of `--workers`: check Redis and the port, fork, announce; exits on a signal. */
async function runPrimary(command: ScaledCommand): Promise<number> {
  if (command.scale.redis !== undefined && !(await redisAnswers(command))) return 1
  let port: number
  try {
    port = await probePort(command.port, command.addr)
  } catch (err) {
    command.fail(describeListenError(err, command.port, command.addr))
    return 1
  }
  const once = (): void => command.out('Stopping the workers…')
  process.once('SIGINT', once)
  process.once('SIGTERM', once)
  let supervisor
  try {
    supervisor = await cluster({ workers: command.scale.workers, env: { [PORT_ENV]: String(port) } })
  } catch (err) {
    process.off('SIGINT', once)
    process.off('SIGTERM', once)
    command.fail(startFailure(err, port, command.addr))
    return 1
  }
  command.out(`${command.scale.workers} workers (pids ${supervisor?.pids.join(', ') ?? ''})${command.scale.redis === undefined ? '' : ', joined through Redis'}.`)
  command.announce(port)
  // cluster() stops the workers and exits the process on SIGINT/SIGTERM.
  return new Promise<number>(() => {})
}

/**
 * Runs a command's server with `--workers` and `--redis` applied; resolves the exit code once
 * stopped (in a worker or a cluster primary, the process exits on its own instead).
 *
 * @example
 * ```ts
 * return runScaled({ name: 'chat', scale, port: 8080, addr: '127.0.0.1', build: () => createChatServer(),
 *   announce: (port) => out(`http://127.0.0.1:${port}/`), out, fail })
 * ```
 */
export function runScaled(command: ScaledCommand): Promise<number> {
  if (nodeCluster.isWorker && process.env[PORT_ENV] !== undefined) return runWorkerSide(command)
  if (command.scale.workers > 1) return runPrimary(command)
  return runSingle(command)
}
