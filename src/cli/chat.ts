/**
 * `portico chat`: runs the WebSocket chat of `src/examples/chat/` (the page at `/`, a broadcast
 * WebSocket at `/ws`), in one process, across `--workers`, or across machines with `--redis`.
 * @module
 */
import { parseArgs } from 'node:util'
import { createChatServer } from '../examples/chat/chat-server.js'
import { parseCommandArgs, parseScale, runScaled, SCALE_HELP, SCALE_OPTIONS, UsageError, type ScaleConfig } from './cluster-flags.js'

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
      --max-tasks <n>       Requests handled at once, chat connections included (default 5)
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
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        port: { type: 'string', short: 'p' },
        addr: { type: 'string', short: 'a' },
        'max-tasks': { type: 'string' },
        ...SCALE_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0])
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
    build: () => createChatServer({ maxConcurrentRequests: config.maxTasks }),
    announce: (port) => {
      out(`Portico chat listening on http://${host}:${port}/`)
      out('Open it in two browser windows; press Ctrl-C to stop.')
    },
    out,
    fail,
  })
}
