/**
 * `portico serve [dir]`: serves a directory over HTTP, in the spirit of tiny_httpd's
 * `http_of_dir`: listings, optional uploads (PUT) and deletes, CORS, compression, TLS.
 * @module
 */
import { stat } from 'node:fs/promises'
import { networkInterfaces } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createServer, type Server } from '../server/server.js'
import type { ServerOptions } from '../server/types.js'
import { compress } from '../middleware/compress.js'
import { mountStatic } from '../middleware/mount-static.js'
import { logger } from '../middleware/logger.js'
import '../middleware/install.js'
import type { PorticoRequest } from '../server/request.js'
import type { PorticoResponse } from '../server/response.js'
import { loadTlsFiles } from './listen-errors.js'
import { flagError, joinNegativeValues, parseCommandArgs, parseScale, runScaled, SCALE_HELP, SCALE_OPTIONS, UsageError, type ScaleConfig } from './cluster-flags.js'

/**
 * The help text of `portico serve`.
 *
 * @example
 * ```ts
 * process.stdout.write(SERVE_HELP)
 * ```
 */
export const SERVE_HELP = `Usage: portico serve [options] [dir]

Serve the files of a directory (default: the current one) over HTTP.

Options:
  -p, --port <n>            Port to listen on (default 8080; 0 picks a free one)
  -a, --addr <address>      Address to bind (default 127.0.0.1; 0.0.0.0 or :: for all)
      --listing             List directories without index.html (default)
      --no-listing          Answer 404 for directories without index.html
      --upload              Accept uploads: PUT a file (written to a temporary file, then renamed)
      --max-upload <size>   Largest upload, e.g. 500K, 20M, 1G (default 100M); 413 beyond it
      --delete              Accept DELETE of files
      --cors [origin]       Send CORS headers for origin (default *)
      --gzip                Compress responses (br, gzip or deflate, as the client accepts)
      --tls-key <file>      Serve HTTPS with this private key (PEM) ...
      --tls-cert <file>     ... and this certificate (PEM)
  -j, --max-connections <n> Connections served at once; more wait (default unlimited)
      --timeout <seconds>   Close connections idle this long (default 0: never; at most 2147483)
${SCALE_HELP}
  -q, --quiet               Do not log requests
  -h, --help                Show this help

Examples:
  portico serve                        serve . at http://127.0.0.1:8080/
  portico serve -p 9000 --upload ./public
  curl -T notes.txt http://127.0.0.1:8080/notes.txt   (with --upload)
`

/**
 * Parses a size: bytes, or a number with K, M, G (binary multiples; `KiB`/`KB` also read).
 *
 * @example
 * ```ts
 * parseSize('20M') // 20971520
 * ```
 */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim())
  if (m === null) throw new UsageError(`invalid size '${text}' (try 500K, 20M, 1G)`)
  const power = ' kmgt'.indexOf(m[2].toLowerCase() || ' ')
  return Math.floor(Number(m[1]) * 1024 ** power)
}

function parseCount(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${name} needs a whole number${min > 0 ? ` ≥ ${min}` : ''}, not '${text}'`)
  return Number(text)
}

/** `--timeout`: whole seconds, 0 (never) up to what Node's timers hold (2^31 − 1 ms). */
function parseTimeoutSeconds(text: string | undefined): number {
  if (text === undefined) return 0
  if (!/^\d+$/.test(text) || Number(text) > 2_147_483) throw new UsageError(`--timeout needs whole seconds from 0 (never) to 2147483, not '${text}'`)
  return Number(text)
}

/** `--cors` takes an optional value: a bare `--cors` means `*`. */
function normalizeCors(argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const next = argv[i + 1]
    if (arg === '--cors' && (next === undefined || !(next === '*' || /^(https?:\/\/|null$)/.test(next)))) out.push('--cors=*')
    else out.push(arg)
  }
  return out
}

const SERVE_OPTIONS = {
  port: { type: 'string', short: 'p' },
  addr: { type: 'string', short: 'a' },
  listing: { type: 'boolean' },
  'no-listing': { type: 'boolean' },
  upload: { type: 'boolean' },
  'max-upload': { type: 'string' },
  delete: { type: 'boolean' },
  cors: { type: 'string' },
  gzip: { type: 'boolean' },
  'tls-key': { type: 'string' },
  'tls-cert': { type: 'string' },
  'max-connections': { type: 'string', short: 'j' },
  timeout: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  ...SCALE_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const

/** The parsed command line. */
export interface ServeConfig {
  readonly dir: string
  readonly port: number
  readonly addr: string
  readonly listing: boolean
  readonly upload: boolean
  readonly maxUpload: number
  readonly delete: boolean
  readonly cors: string | undefined
  readonly gzip: boolean
  readonly tls: { key: string; cert: string } | undefined
  readonly maxConnections: number | undefined
  readonly timeout: number
  readonly quiet: boolean
  readonly scale: ScaleConfig
  readonly help: boolean
}

/**
 * Parses the arguments of `portico serve` (throws a usage error with a one-line message).
 *
 * @example
 * ```ts
 * parseServeArgs(['-p', '9000', '--upload', 'public']).port // 9000
 * ```
 */
export function parseServeArgs(argv: readonly string[]): ServeConfig {
  let parsed
  try {
    parsed = parseArgs({ args: joinNegativeValues(normalizeCors(argv), SERVE_OPTIONS), allowPositionals: true, strict: true, options: SERVE_OPTIONS })
  } catch (err) {
    throw flagError(err)
  }
  const v = parsed.values
  if (parsed.positionals.length > 1) throw new UsageError(`one directory at most, got ${parsed.positionals.length}`)
  const port = parseCount('port', v.port, 8080)
  if (port > 65535) throw new UsageError(`--port must be 0–65535, not ${port}`)
  if ((v['tls-key'] === undefined) !== (v['tls-cert'] === undefined)) throw new UsageError('--tls-key and --tls-cert go together')
  const maxConnections = v['max-connections'] === undefined ? undefined : parseCount('max-connections', v['max-connections'], 0, 1)
  return {
    dir: resolve(parsed.positionals[0] ?? '.'),
    port,
    addr: v.addr ?? '127.0.0.1',
    listing: v['no-listing'] !== true,
    upload: v.upload === true,
    maxUpload: v['max-upload'] === undefined ? 100 * 1024 * 1024 : parseSize(v['max-upload']),
    delete: v.delete === true,
    cors: v.cors,
    gzip: v.gzip === true,
    tls: v['tls-key'] === undefined ? undefined : { key: v['tls-key'], cert: v['tls-cert'] as string },
    maxConnections,
    timeout: parseTimeoutSeconds(v.timeout),
    quiet: v.quiet === true,
    scale: parseScale(v),
    help: v.help === true,
  }
}

/** The URLs a listening address can be reached at (every interface for a wildcard address). */
function urlsFor(addr: string, port: number, scheme: string): string[] {
  const host = (a: string): string => (a.includes(':') ? `[${a}]` : a)
  if (addr !== '0.0.0.0' && addr !== '::' && addr !== '*') return [`${scheme}://${host(addr)}:${port}/`]
  const out: string[] = []
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' || addr !== '0.0.0.0') out.push(`${scheme}://${host(info.address)}:${port}/`)
    }
  }
  return out
}

/**
 * Builds the server `portico serve` runs, from its configuration (not yet listening).
 *
 * @example
 * ```ts
 * const server = buildServeServer(parseServeArgs(['--upload', 'public']), console.log)
 * await server.listen(8080, '127.0.0.1')
 * ```
 */
export function buildServeServer(config: ServeConfig, log: (line: string) => void): Server {
  const options: ServerOptions = { idleTimeout: config.timeout * 1000 }
  if (config.maxConnections !== undefined) options.maxConnections = config.maxConnections
  const server = createServer(options)
  if (!config.quiet) {
    const stream = { write: (line: string) => log(line.replace(/\n$/, '')), isTTY: process.stdout.isTTY === true }
    server.use(logger<PorticoRequest<any>, PorticoResponse>({ format: 'pretty', stream }), { stage: 'encoding' })
  }
  if (config.cors !== undefined) server.cors({ origin: config.cors })
  if (config.gzip) server.use(compress(), { stage: 'encoding' })
  mountStatic(server, '/', config.dir, { listing: config.listing, upload: config.upload, maxUpload: config.maxUpload, delete: config.delete })
  server.on('serverError', (message: string, error: unknown) => log(`error: ${message}: ${(error as Error)?.message ?? String(error)}`))
  return server
}

/**
 * Runs `portico serve` with its arguments (after `serve`); resolves with the exit code once
 * the server has stopped (Ctrl-C or SIGTERM: graceful stop, a second Ctrl-C forces it).
 *
 * @example
 * ```ts
 * process.exitCode = await runServe(process.argv.slice(3))
 * ```
 */
export async function runServe(argv: string[]): Promise<number> {
  const out = (line: string): void => void process.stdout.write(`${line}\n`)
  const fail = (line: string): void => void process.stderr.write(`portico serve: ${line}\n`)
  const config = parseCommandArgs('serve', argv, parseServeArgs, SERVE_HELP)
  if (typeof config === 'number') return config
  const dirStat = await stat(config.dir).catch(() => undefined)
  if (dirStat === undefined || !dirStat.isDirectory()) {
    fail(`${config.dir} is not a directory`)
    return 1
  }
  // Read in this process, so that with --workers a bad file is one line from the primary.
  const tls = config.tls === undefined ? undefined : await loadTlsFiles(config.tls)
  if (typeof tls === 'string') {
    fail(tls)
    return 1
  }
  const scheme = tls === undefined ? 'http' : 'https'
  return runScaled({
    name: 'serve',
    scale: config.scale,
    port: config.port,
    addr: config.addr,
    build: () => buildServeServer(config, out),
    listen: (server, port) => server.listen(port, config.addr, tls === undefined ? {} : { tls }),
    announce: (port) => {
      out(`Serving ${config.dir}${config.upload ? ' (uploads on)' : ''}${config.delete ? ' (delete on)' : ''} at:`)
      for (const url of urlsFor(config.addr, port, scheme)) out(`  ${url}`)
      out('Press Ctrl-C to stop.')
    },
    out,
    fail,
  })
}
