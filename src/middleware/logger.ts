/**
 * A request logger middleware: method, path, status, bytes and duration of every request, as a
 * coloured line on a terminal and as JSON lines otherwise (for log collectors).
 *
 * It types the request and response structurally, so it depends on no server internals:
 * - the request needs `method` and `path` (the path without the query, which may hold secrets);
 * - the response needs `statusCode`, and for the byte count either `bytesWritten` (body bytes
 *   sent, read when the response is done) or a `Content-Length` through `getHeader`;
 *   without either, bytes are logged as unknown (`-`, `null`);
 * - when the response has `onFinish(callback)` (Portico's has, with `bytesWritten`), the line
 *   is written when the response is fully sent (streamed bodies and error answers included),
 *   with the status and bytes really sent, or when the connection closed before (`aborted`);
 *   otherwise when the inner chain settles.
 * @module
 */
import type { Middleware } from '../router/compose.js'

/**
 * What the logger reads from a request.
 *
 * @example
 * ```ts
 * const req: LoggableRequest = { method: 'GET', path: '/users/42' }
 * ```
 */
export interface LoggableRequest {
  readonly method: string
  readonly path: string
}

/**
 * What the logger reads from a response.
 *
 * @example
 * ```ts
 * const res: LoggableResponse = { statusCode: 200, bytesWritten: 512 }
 * ```
 */
export interface LoggableResponse {
  readonly statusCode: number
  /** Body bytes sent so far (preferred source of the byte count). */
  readonly bytesWritten?: number
  getHeader?(name: string): string | number | readonly string[] | undefined
  /** Calls back once the response has been fully sent (`aborted` when the connection closed first). */
  onFinish?(callback: (aborted?: boolean) => void): void
}

/**
 * Where lines go: `process.stdout` by default, anything with `write` in tests.
 *
 * @example
 * ```ts
 * const lines: string[] = []
 * const sink: LogSink = { write: (line) => lines.push(line) }
 * ```
 */
export interface LogSink {
  write(line: string): unknown
  readonly isTTY?: boolean
}

/**
 * One logged request.
 *
 * @example
 * ```ts
 * const record: RequestLogRecord = { time: new Date().toISOString(), method: 'GET', path: '/', status: 200, bytes: 2, durationMs: 0.4 }
 * ```
 */
export interface RequestLogRecord {
  /** ISO 8601 time at which the request started. */
  readonly time: string
  readonly method: string
  readonly path: string
  readonly status: number
  /** Body bytes sent, `null` when unknown. */
  readonly bytes: number | null
  /** Milliseconds, rounded to the microsecond. */
  readonly durationMs: number
  /** Present (true) when the connection closed before the response was complete. */
  readonly aborted?: true
}

/**
 * Options of {@link logger}.
 *
 * @example
 * ```ts
 * const options: LoggerOptions = { format: 'json', stream: process.stderr }
 * ```
 */
export interface LoggerOptions {
  /** Default `process.stdout`. */
  stream?: LogSink
  /** `'auto'` (default): pretty when the stream is a TTY, JSON lines otherwise. */
  format?: 'auto' | 'pretty' | 'json'
  /** ANSI colours in the pretty format. Default: when the stream is a TTY and `NO_COLOR` is unset. */
  colors?: boolean
  /** Monotonic clock in milliseconds (default `performance.now`). */
  now?: () => number
  /** Wall clock for `time` (default `Date.now`). */
  wallClock?: () => number
}

const RESET = '\x1b[0m'
const BOLD = '\x1b[1m'
const DIM = '\x1b[2m'
const STATUS_COLORS = ['\x1b[32m', '\x1b[32m', '\x1b[32m', '\x1b[36m', '\x1b[33m', '\x1b[31m']

/**
 * A byte count for people: `512B`, `1.5kB`, `2.0MB`, `-` when unknown.
 *
 * @example
 * ```ts
 * formatBytes(1536) // '1.5kB'
 * ```
 */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-'
  if (bytes < 1000) return `${bytes}B`
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)}kB`
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)}MB`
  return `${(bytes / 1e9).toFixed(1)}GB`
}

/**
 * A duration for people: `0.42ms`, `12.3ms`, `1.20s`.
 *
 * @example
 * ```ts
 * formatDuration(12.34) // '12.3ms'
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)}ms`
  if (ms < 1000) return `${ms.toFixed(1)}ms`
  return `${(ms / 1000).toFixed(2)}s`
}

/**
 * The pretty line of a record: `12:00:01 GET /users/42 200 512B 1.30ms`, coloured on request
 * (status green/cyan/yellow/red by class).
 *
 * @example
 * ```ts
 * formatPretty(record, false) // '12:00:01 GET /users/42 200 512B 1.30ms\n'
 * ```
 */
export function formatPretty(record: RequestLogRecord, colors: boolean): string {
  const clock = record.time.slice(11, 19)
  const bytes = formatBytes(record.bytes)
  const duration = formatDuration(record.durationMs)
  const aborted = record.aborted === true ? ' aborted' : ''
  // The path is the client's: control characters (a decoded %0A or %1B) would forge lines or
  // drive the operator's terminal. They are printed percent-encoded, as they came.
  const path = printablePath(record.path)
  if (!colors) return `${clock} ${record.method} ${path} ${record.status} ${bytes} ${duration}${aborted}\n`
  const color = STATUS_COLORS[Math.min(5, Math.floor(record.status / 100))] ?? ''
  return `${DIM}${clock}${RESET} ${BOLD}${record.method}${RESET} ${path} ${color}${record.status}${RESET} ${bytes} ${DIM}${duration}${RESET}${aborted}\n`
}

/**
 * The JSON line of a record.
 *
 * @example
 * ```ts
 * formatJson(record) // '{"time":"…","method":"GET","path":"/","status":200,"bytes":2,"durationMs":0.412}\n'
 * ```
 */
export function formatJson(record: RequestLogRecord): string {
  return JSON.stringify(record) + '\n'
}

/** The byte count of a response: `bytesWritten`, else its Content-Length, else unknown. */
function bytesOf(res: LoggableResponse): number | null {
  if (typeof res.bytesWritten === 'number') return res.bytesWritten
  const length = res.getHeader?.('content-length')
  const value = typeof length === 'number' ? length : typeof length === 'string' ? Number(length) : NaN
  return Number.isInteger(value) && value >= 0 ? value : null
}

/** The status an error will be answered with: its own 4xx/5xx `status`, else 500. */
function statusOfError(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500
}

/**
 * A middleware that logs every request once it is answered.
 *
 * With a response that has `onFinish` (Portico's), the line is written when the response is
 * complete, from what was really sent: the final `statusCode` (an error answer included, as
 * the error handler or the engine wrote it) and the body bytes written, with `aborted: true`
 * when the connection closed first (a stream cut short by a failing source, a client that
 * left). Without `onFinish`, the line is written when the inner chain settles; an error
 * thrown further in is then logged with its own status (500 unless it carries a 4xx/5xx one).
 * Errors are passed on unchanged.
 *
 * @example
 * ```ts
 * server.use(logger())                                  // pretty on a terminal, JSON lines otherwise
 * server.use(logger({ format: 'json', stream: file }))  // any { write(line) } sink
 * ```
 */
export function logger<Req extends LoggableRequest, Res extends LoggableResponse>(
  options: LoggerOptions = {},
): Middleware<Req, Res> {
  const stream: LogSink = options.stream ?? process.stdout
  const tty = stream.isTTY === true
  const pretty = options.format === 'pretty' || ((options.format ?? 'auto') === 'auto' && tty)
  const colors = options.colors ?? (tty && process.env.NO_COLOR === undefined)
  const now = options.now ?? (() => performance.now())
  const wallClock = options.wallClock ?? Date.now

  return async (req, res, next) => {
    const started = now()
    const time = new Date(wallClock()).toISOString()
    const write = (status: number, aborted?: boolean): void => {
      const durationMs = Math.round((now() - started) * 1000) / 1000
      const base = { time, method: req.method, path: req.path, status, bytes: bytesOf(res), durationMs }
      const record: RequestLogRecord = aborted === true ? { ...base, aborted: true } : base
      stream.write(pretty ? formatPretty(record, colors) : formatJson(record))
    }
    if (typeof res.onFinish === 'function') {
      // Registered before the chain runs: an error answered after it settles is seen too.
      res.onFinish((aborted) => write(res.statusCode, aborted))
      return next()
    }
    try {
      await next()
    } catch (error) {
      write(statusOfError(error))
      throw error
    }
    write(res.statusCode)
  }
}

/** `path` with C0/C1 control characters, DEL and spaces percent-encoded (UTF-8). */
function printablePath(path: string): string {
  return /[\x00-\x20\x7f-\x9f]/.test(path) ? path.replace(/[\x00-\x20\x7f-\x9f]/g, (ch) => encodeURIComponent(ch)) : path
}
