/**
 * `portico get URL`: downloads a URL to stdout or a file, with headers, a proxy, a method and a
 * body, a progress bar on a terminal, and resume (`--continue`) through a `Range` request.
 * @module
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { Agent } from '../client/agent.js'
import type { ClientResponse } from '../client/client-response.js'
import { request, type RequestOptions } from '../client/request.js'
import { TLSOptions } from '../client/tls-options.js'
import { PorticoError } from '../errors.js'
import { GET_USAGE, parseGetArgs, type GetArgs } from './get-args.js'
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
 * 1 HTTP status ≥ 400, 2 usage error, 3 network or protocol error).
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
    io.stderr.write(`portico get: ${(err as Error).message}\n\n${GET_USAGE}\n`)
    return 2
  }
  if (args.help) {
    io.stdout.write(GET_USAGE + '\n')
    return 0
  }
  const agent = new Agent({ tls: await tlsFor(args) })
  try {
    return await download(args, agent, io)
  } catch (err) {
    const e = err as Error
    const code = e instanceof PorticoError ? ` (${e.code})` : ''
    io.stderr.write(`portico get: ${e.message}${code}\n`)
    return 3
  } finally {
    agent.destroy()
  }
}

async function download(args: GetArgs, agent: Agent, io: GetIO): Promise<number> {
  let offset = 0
  if (args.resume && args.output !== undefined) {
    offset = await stat(args.output).then((s) => s.size, () => 0)
  }
  const headers: [string, string][] = args.headers.map((h) => {
    const colon = h.indexOf(':')
    return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()]
  })
  if (offset > 0) headers.push(['Range', `bytes=${offset}-`])
  const options: RequestOptions = {
    method: args.method ?? (args.data !== undefined ? 'POST' : 'GET'),
    headers,
    agent,
    proxy: args.noProxy ? false : args.proxy ?? 'env',
    maxRedirects: args.followRedirects ? 10 : 0,
    // Keep the bytes as sent: a resumed file must continue the same encoding.
    decompress: offset === 0,
  }
  if (args.data !== undefined) {
    options.body = args.data.startsWith('@') ? await readFile(args.data.slice(1)) : args.data
  }
  if (args.timeoutSeconds !== undefined) options.timeout = args.timeoutSeconds * 1000
  const res = await request(args.url, options)

  let append = false
  if (offset > 0) {
    if (res.status === 416) {
      await res.body.dump()
      io.stderr.write('portico get: the file is already complete\n')
      return 0
    }
    if (res.status === 206) {
      const range = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '')
      if (range === null || Number(range[1]) !== offset) {
        await res.body.dump()
        io.stderr.write('portico get: the server answered a different range; not resuming\n')
        return 3
      }
      append = true
    } else {
      offset = 0
    }
  }
  const total = totalSize(res, offset)
  const showBar = !args.silent && io.stderr.isTTY === true && (args.output !== undefined || io.stdout.isTTY !== true)
  const bar = showBar ? new ProgressBar(io.stderr, total, offset) : null
  const file: WriteStream | null = args.output === undefined ? null : createWriteStream(args.output, { flags: append ? 'a' : 'w' })
  const sink: NodeJS.WritableStream = file ?? io.stdout
  let received = offset
  try {
    for await (const chunk of res.body) {
      received += chunk.length
      if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', resolve))
      bar?.update(received)
    }
  } finally {
    bar?.finish()
    if (file !== null) await closeFile(file)
  }
  if (res.status >= 400) {
    io.stderr.write(`portico get: HTTP ${res.status} ${res.statusText}\n`)
    return 1
  }
  return 0
}

function closeFile(file: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    file.once('error', reject)
    file.end(() => resolve())
  })
}

function totalSize(res: ClientResponse, offset: number): number {
  const range = /\/(\d+)$/.exec(res.headers['content-range'] ?? '')
  if (range !== null) return Number(range[1])
  const length = res.headers['content-length']
  if (length === undefined || res.headers['content-encoding'] !== undefined) return -1
  return Number(length) + offset
}

async function tlsFor(args: GetArgs): Promise<TLSOptions | undefined> {
  if (args.insecure) return TLSOptions.clientUnsafe()
  if (args.caFile !== undefined) return TLSOptions.client(await readFile(args.caFile))
  return undefined
}
