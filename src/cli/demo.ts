/**
 * `portico demo` (what `npm start` runs): the demo server of `src/examples/demo/`, which shows
 * every feature on one port.
 * @module
 */
import { parseArgs } from 'node:util'
import { createDemoServer } from '../examples/demo/demo-server.js'
import { DEMO_LINKS } from '../examples/demo/home-page.js'
import { flagError, joinNegativeValues, parseCommandArgs, UsageError } from './cluster-flags.js'
import { describeListenError } from './listen-errors.js'

/**
 * The help text of `portico demo`.
 *
 * @example
 * ```ts
 * process.stdout.write(DEMO_HELP)
 * ```
 */
export const DEMO_HELP = `Usage: portico demo [options]

Run the demo server: a home page linking a WebSocket chat, Server-Sent Events, static files,
a REST API with CORS, compression (br/gzip) and a request log, all on one port.

Options:
  -p, --port <n>            Port to listen on (default: $PORT, else 8080; 0 picks a free one)
  -a, --addr <address>      Address to bind (default 127.0.0.1)
  -q, --quiet               Do not log requests
  -h, --help                Show this help
`

const DEMO_OPTIONS = {
  port: { type: 'string', short: 'p' },
  addr: { type: 'string', short: 'a' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The parsed command line of `portico demo`. */
export interface DemoConfig {
  readonly port: number
  readonly addr: string
  readonly quiet: boolean
  readonly help: boolean
}

/**
 * Parses the arguments of `portico demo`; `env` supplies `PORT` when `--port` is absent.
 *
 * @example
 * ```ts
 * parseDemoArgs([], { PORT: '3000' }).port // 3000
 * ```
 */
export function parseDemoArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env): DemoConfig {
  let parsed
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, DEMO_OPTIONS), strict: true, allowPositionals: false, options: DEMO_OPTIONS })
  } catch (err) {
    throw flagError(err)
  }
  const v = parsed.values
  const text = v.port ?? (env.PORT === undefined || env.PORT === '' ? '8080' : env.PORT)
  const source = v.port === undefined && env.PORT !== undefined && env.PORT !== '' ? 'PORT' : '--port'
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UsageError(`${source} must be a port number 0–65535, not '${text}'`)
  return { port: Number(text), addr: v.addr ?? '127.0.0.1', quiet: v.quiet === true, help: v.help === true }
}

/**
 * Runs `portico demo`; resolves the exit code once stopped (Ctrl-C or SIGTERM: graceful stop,
 * a second Ctrl-C forces it).
 *
 * @example
 * ```ts
 * process.exitCode = await runDemo(['--port', '3000'])
 * ```
 */
export async function runDemo(argv: string[]): Promise<number> {
  const out = (line: string): void => void process.stdout.write(`${line}\n`)
  const fail = (line: string): void => void process.stderr.write(`portico demo: ${line}\n`)
  const config = parseCommandArgs('demo', argv, parseDemoArgs, DEMO_HELP)
  if (typeof config === 'number') return config
  const server = await createDemoServer({ log: config.quiet ? null : out })
  try {
    await server.listen(config.port, config.addr)
  } catch (err) {
    fail(describeListenError(err, config.port, config.addr))
    await server.stop({ graceful: false })
    return 1
  }
  const base = `http://${config.addr.includes(':') ? `[${config.addr}]` : config.addr}:${server.getPort()}`
  out(`Portico demo listening on ${base}/`)
  for (const link of DEMO_LINKS) out(`  ${(base + link.href).padEnd(base.length + 16)} ${link.title}`)
  out('Press Ctrl-C to stop.')
  return new Promise<number>((resolveExit) => {
    let stopping = false
    const stop = (): void => {
      if (stopping) {
        // 130 at once: the graceful stop, cut short by the forced one, must not resolve 0 first.
        out('Forcing stop.')
        resolveExit(130)
        void server.stop({ graceful: false })
        return
      }
      stopping = true
      out('Stopping (Ctrl-C again to force)…')
      void server.stop({ graceful: true, timeout: 3000 }).then(() => {
        process.removeListener('SIGINT', stop)
        process.removeListener('SIGTERM', stop)
        resolveExit(0)
      })
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
