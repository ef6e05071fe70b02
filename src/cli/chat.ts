/**
 * `portico chat`: runs the WebSocket chat of `src/examples/chat/` (the page at `/`, a broadcast
 * WebSocket at `/ws`), in one process, across `--workers`, or across machines with `--redis`.
 * @module
 */
import { parseArgs } from 'node:util'
import { createChatServer } from '../examples/chat/chat-server.js'
import { flagError, joinNegativeValues, parseCommandArgs, parseScale, runScaled, SCALE_HELP, SCALE_OPTIONS, UsageError, type ScaleConfig } from './cluster-flags.js'

/**
 * The help text of `portico chat`.
 *
 * @example
 * ```ts
 * process.stdout.write(CHAT_HELP)
 * ```
 */
export const CHAT_HELP = `Usage: portico chat [options]

Run the WebSocket chat: the page at /, a WebSocket at /ws whose every message reaches every client.

Options:
  -p, --port <n>            Port to listen on (default 8080; 0 picks a free one)
  -a, --addr <address>      Address to bind (default 127.0.0.1; 0.0.0.0 or :: for all)
      --max-tasks <n>       Requests handled at once, chat connections included (default 5:
                            each open chat holds one, so a sixth user waits; raise it)
${SCALE_HELP}
  -h, --help                Show this help

Examples:
  portico chat                                   http://127.0.0.1:8080/
  portico chat --workers 4 --max-tasks 100       four processes, one chat
  portico chat -p 8081 --redis redis://10.0.0.5:6379   (run one per machine)
`

/** The parsed command line of `portico chat`. */
export interface ChatConfig {
  readonly port: number
  readonly addr: string
  readonly maxTasks: number
  readonly scale: ScaleConfig
  readonly help: boolean
}

const CHAT_OPTIONS = {
  port: { type: 'string', short: 'p' },
  addr: { type: 'string', short: 'a' },
  'max-tasks': { type: 'string' },
  ...SCALE_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const

function wholeNumber(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${name} needs a whole number ≥ ${min}, not '${text}'`)
  return Number(text)
}

/**
 * Parses the arguments of `portico chat` (throws a usage error with a one-line message).
 *
 * @example
 * ```ts
 * parseChatArgs(['-p', '9000', '--workers', '2']).scale.workers // 2
 * ```
 */
export function parseChatArgs(argv: readonly string[]): ChatConfig {
  let parsed
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, CHAT_OPTIONS), allowPositionals: false, strict: true, options: CHAT_OPTIONS })
  } catch (err) {
    throw flagError(err)
  }
  const v = parsed.values
  const port = wholeNumber('port', v.port, 8080, 0)
  if (port > 65535) throw new UsageError(`--port must be 0–65535, not ${port}`)
  return {
    port,
    addr: v.addr ?? '127.0.0.1',
    maxTasks: wholeNumber('max-tasks', v['max-tasks'], 5, 1),
    scale: parseScale(v),
    help: v.help === true,
  }
}

/** How often, at most, {@link waitWarning} repeats itself. */
const WAIT_WARNING_EVERY_MS = 10_000

/**
 * The warning printed when requests wait for a slot: once, then at most every 10 seconds.
 *
 * @example
 * ```ts
 * createChatServer({ maxConcurrentRequests: 5, onWait: waitWarning(5) })
 * ```
 */
export function waitWarning(maxTasks: number, write: (line: string) => void = (line) => void process.stderr.write(line)): () => void {
  let last = -Infinity
  return () => {
    const now = Date.now()
    if (now - last < WAIT_WARNING_EVERY_MS) return
    last = now
    write(`portico chat: all ${maxTasks} task slots are held by open chat connections; new requests wait until one closes (raise --max-tasks, e.g. --max-tasks 200)\n`)
  }
}

/**
 * Runs `portico chat` with its arguments (after `chat`); resolves the exit code once stopped
 * (Ctrl-C or SIGTERM stop it gracefully).
 *
 * @example
 * ```ts
 * process.exitCode = await runChat(['--port', '8080'])
 * ```
 */
export async function runChat(argv: string[]): Promise<number> {
  const out = (line: string): void => void process.stdout.write(`${line}\n`)
  const fail = (line: string): void => void process.stderr.write(`portico chat: ${line}\n`)
  const config = parseCommandArgs('chat', argv, parseChatArgs, CHAT_HELP)
  if (typeof config === 'number') return config
  const host = config.addr === '0.0.0.0' || config.addr === '::' ? 'localhost' : config.addr.includes(':') ? `[${config.addr}]` : config.addr
  return runScaled({
    name: 'chat',
    scale: config.scale,
    port: config.port,
    addr: config.addr,
    build: () => createChatServer({ maxConcurrentRequests: config.maxTasks, onWait: waitWarning(config.maxTasks) }),
    announce: (port) => {
      out(`Portico chat listening on http://${host}:${port}/`)
      out('Open it in two browser windows; press Ctrl-C to stop.')
    },
    out,
    fail,
  })
}
