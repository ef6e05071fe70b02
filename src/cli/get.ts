/**
 * `portico get URL`: downloads a URL to stdout or a file, with headers, a proxy, a method and a
 * body, a progress bar on a terminal, and resume (`--continue`) through a `Range` request.
 * Every failure is one line on stderr and an exit status (docs/cli.md); `-o FILE` is replaced
 * only by a complete download (see {@link FileOutput}).
 * @module
 */
import { readFile } from 'node:fs/promises'
import { Agent } from '../client/agent.js'
import type { ClientResponse } from '../client/client-response.js'
import { request, type RequestOptions } from '../client/request.js'
import { TLSOptions } from '../client/tls-options.js'
import { PorticoError } from '../errors.js'
import { GET_USAGE, parseGetArgs, type GetArgs } from './get-args.js'
import { describeFileError, FileOutput, LocalFileError, OutputClosed, StreamOutput } from './get-output.js'
import { ProgressBar } from './get-progress.js'

/**
 * The streams `portico get` uses (the process's own by default; tests pass their own).
 *
 * @example
 * ```ts
 * await runGet(['http://127.0.0.1:8080/'], { stdout: new PassThrough(), stderr: process.stderr })
 * ```
 */
export interface GetIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
}

/**
 * Runs `portico get` with the arguments after `get`; resolves with the exit status (0 success,
 * 1 HTTP status ≥ 400 or a redirect `-L` cannot follow, 2 usage or local file error, 3 network
 * or protocol error).
 *
 * @example
 * ```ts
 * process.exitCode = await runGet(['-o', 'page.html', 'http://127.0.0.1:8080/'])
 * ```
 */
export async function runGet(argv: string[], io: GetIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let args: GetArgs
  try {
    args = parseGetArgs(argv[0] === 'get' ? argv.slice(1) : argv)
  } catch (err) {
    io.stderr.write(`portico get: ${(err as Error).message}\nTry 'portico get --help'.\n`)
    return 2
  }
  if (args.help) {
    io.stdout.write(GET_USAGE + '\n')
    return 0
  }
  let file: FileOutput | null = null
  let agent: Agent | undefined
  try {
    // Everything local is checked before the request is sent.
    const tls = await tlsFor(args)
    const body = args.data === undefined ? undefined : await dataFor(args.data)
    if (args.output !== undefined && args.output !== '-') file = await FileOutput.open(args.output, args.resume)
    agent = new Agent({ tls })
    return await download(args, { agent, body, file, io })
  } catch (err) {
    const kept = await file?.abandon()
    if (err instanceof OutputClosed) return 0
    const e = err as Error
    const code = e instanceof PorticoError ? ` (${e.code})` : ''
    const partial = kept === undefined ? '' : `; the partial download is in ${kept} (resume with -C)`
    io.stderr.write(`portico get: ${e.message.split('\n')[0]}${code}${partial}\n`)
    return e instanceof LocalFileError ? 2 : 3
  } finally {
    await file?.abandon()
    agent?.destroy()
  }
}

interface Download {
  agent: Agent
  body: string | Buffer | undefined
  file: FileOutput | null
  io: GetIO
}

async function download(args: GetArgs, { agent, body, file, io }: Download): Promise<number> {
  const offset = file?.offset ?? 0
  const headers: [string, string][] = args.headers.map((h) => {
    const colon = h.indexOf(':')
    return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()]
  })
  if (offset > 0) headers.push(['Range', `bytes=${offset}-`])
  const options: RequestOptions = {
    method: args.method ?? (body !== undefined ? 'POST' : 'GET'),
    headers,
    agent,
    proxy: args.noProxy ? false : args.proxy ?? 'env',
    maxRedirects: args.followRedirects ? 10 : 0,
    // Keep the bytes as sent: a resumed file must continue the same encoding.
    decompress: offset === 0,
  }
  if (body !== undefined) options.body = body
  if (args.timeoutSeconds !== undefined) options.timeout = args.timeoutSeconds * 1000
  const res = await request(args.url, options)
  const status = res.status
  const redirect = redirectOf(res)
  if (redirect !== undefined && args.followRedirects) {
    await res.body.dump()
    io.stderr.write(`portico get: not following redirect to ${redirect.location}${redirect.why}\n`)
    return 1
  }
  const hint = redirect === undefined ? '' : ` (redirect to ${redirect.location}; use -L to follow)`

  let appending = false
  if (file !== null) {
    if (offset > 0 && status === 416) return rangeRefused(res, file, io)
    // A refusal or an error never replaces FILE; when resuming, only 200 restarts it.
    if (status >= 400 || (offset > 0 && status !== 200 && status !== 206)) {
      await res.body.dump()
      io.stderr.write(`portico get: HTTP ${status} ${res.statusText}${hint}; ${file.file} left unchanged\n`)
      return 1
    }
    if (offset > 0 && status === 206) {
      const range = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '')
      if (range === null || Number(range[1]) !== offset) {
        await res.body.dump()
        io.stderr.write(`portico get: the server answered a different range; not resuming (${file.file} left unchanged)\n`)
        return 3
      }
      appending = true
    } else {
      await file.restart()
    }
  }
  if (hint !== '') io.stderr.write(`portico get: HTTP ${status} ${res.statusText}${hint}\n`)

  const toTerminal = file === null && args.output !== '-' && io.stdout.isTTY === true
  const showBar = !args.silent && io.stderr.isTTY === true && (file !== null || io.stdout.isTTY !== true)
  const bar = showBar ? new ProgressBar(io.stderr, totalSize(res, appending ? offset : 0), appending ? offset : 0) : null
  const sink = file ?? new StreamOutput(io.stdout)
  let received = appending ? offset : 0
  try {
    let first = true
    for await (const chunk of res.body) {
      if (first && toTerminal && isBinary(res, chunk)) {
        await res.body.dump()
        if (status >= 400) break
        const type = res.headers['content-type']
        io.stderr.write(`portico get: not printing a binary body${type === undefined ? '' : ` (${type})`} to the terminal; save it with -o FILE (or force it with -o -)\n`)
        return 2
      }
      first = false
      received += chunk.length
      await sink.write(chunk)
      bar?.update(received)
    }
  } finally {
    bar?.finish()
  }
  await file?.finish()
  if (status >= 400) {
    io.stderr.write(`portico get: HTTP ${status} ${res.statusText}\n`)
    return 1
  }
  return 0
}

/** A 416 to a resume: the file is complete when its size is the remote's (`bytes *\/N`). */
async function rangeRefused(res: ClientResponse, file: FileOutput, io: GetIO): Promise<number> {
  await res.body.dump()
  const size = /^bytes \*\/(\d+)$/.exec(res.headers['content-range'] ?? '')
  if (size !== null && Number(size[1]) === file.offset) {
    await file.finish()
    io.stderr.write(`portico get: ${file.file} is already complete (${file.offset} bytes)\n`)
    return 0
  }
  const remote = size === null ? 'the server did not say its size' : `the remote file is ${size[1]} bytes`
  io.stderr.write(`portico get: HTTP 416: cannot resume at byte ${file.offset} (${remote}); ${file.file} left unchanged\n`)
  return 1
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** The target of a redirect answer, and why `-L` would not follow it (the client follows http and https only). */
function redirectOf(res: ClientResponse): { location: string; why: string } | undefined {
  const location = res.headers.location
  if (!REDIRECTS.has(res.status) || location === undefined) return undefined
  let why = ''
  try {
    const next = new URL(location, res.url)
    if (next.protocol !== 'http:' && next.protocol !== 'https:') why = ' (only http and https are followed)'
  } catch {
    why = ' (not a valid URL)'
  }
  return { location, why }
}

const TEXT_TYPE = /^\s*(text\/|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|x-sh|x-yaml|yaml|toml|sql|graphql|x-ndjson|ndjson)\s*(;|$)|[\w.-]+\/[\w.-]+\+(json|xml)\s*(;|$))/i

/** Whether a body is not for a terminal: a non-text Content-Type, or a NUL byte in its first chunk (as curl checks). */
function isBinary(res: ClientResponse, first: Buffer): boolean {
  const type = res.headers['content-type']
  if (type !== undefined && type.trim() !== '' && !TEXT_TYPE.test(type)) return true
  return first.includes(0)
}

function totalSize(res: ClientResponse, offset: number): number {
  const range = /\/(\d+)$/.exec(res.headers['content-range'] ?? '')
  if (range !== null) return Number(range[1])
  const length = res.headers['content-length']
  if (length === undefined || res.headers['content-encoding'] !== undefined) return -1
  return Number(length) + offset
}

async function readLocal(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (err) {
    throw new LocalFileError(`cannot read ${what}${path}: ${describeFileError(err, path, true)}`)
  }
}

async function dataFor(data: string): Promise<string | Buffer> {
  return data.startsWith('@') ? readLocal(data.slice(1), '-d @') : data
}

async function tlsFor(args: GetArgs): Promise<TLSOptions | undefined> {
  if (args.insecure) return TLSOptions.clientUnsafe()
  if (args.caFile !== undefined) return TLSOptions.client(await readLocal(args.caFile, '--cacert '))
  return undefined
}
