/** Helpers of the CLI tests: run `node bin/portico.js …` (which loads dist/, built by `npm test`). */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'

/** The repository root (tests run from build/test/cli/). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** The `portico` command. */
export const BIN = join(ROOT, 'bin', 'portico.js')

/** Fails early, with the fix, when dist/ was not built. */
export function requireDist(): void {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (npm test does)')
}

/** The result of a command that ran to its end. */
export interface Finished {
  code: number
  stdout: string
  stderr: string
}

/** Runs `portico args…` to its end. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  requireDist()
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1
      resolve({ code, stdout, stderr })
    })
  })
}

/** A `portico` process that serves. */
export interface Running {
  readonly child: ChildProcess
  readonly port: number
  readonly url: string
  output(): string
  /** SIGTERM (or `signal`), then waits for the exit (SIGKILL after 10 s); resolves the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `portico args…` and resolves once it prints its `http://127.0.0.1:PORT/` URL. */
export function startCli(args: string[], env: Record<string, string> = {}): Promise<Running> {
  requireDist()
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL')
      reject(new Error(`no URL printed: ${out}`))
    }, 15_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve({ child, port: Number(m[1]), url: m[0], output: () => out, stop })
      }
    })
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`exited ${code}: ${out}`))
    })
  })
}

/** A WebSocket client keeping every text message it receives. */
export class ChatClient {
  readonly messages: string[] = []
  private waiters: Array<() => void> = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(String(data))
      for (const w of [...this.waiters]) w()
    })
  }

  /** Connects to `url` (ws://…). */
  static open(url: string): Promise<ChatClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url)
      ws.once('open', () => resolve(new ChatClient(ws)))
      ws.once('error', reject)
    })
  }

  /** Resolves once `text` was received; rejects after `ms` with what was. */
  receive(text: string, ms = 8000): Promise<void> {
    if (this.messages.includes(text)) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${text}'; got ${JSON.stringify(this.messages)}`)), ms)
      const waiter = (): void => {
        if (!this.messages.includes(text)) return
        clearTimeout(timer)
        this.waiters = this.waiters.filter((w) => w !== waiter)
        resolve()
      }
      this.waiters.push(waiter)
    })
  }

  send(text: string): void {
    this.ws.send(text)
  }

  close(): void {
    this.ws.terminate()
  }
}

/** GETs (or other method) a URL; resolves status, headers and body text. */
export async function fetchText(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(url, init)
  return { status: res.status, headers: res.headers, body: await res.text() }
}

/**
 * Sends `sync-N` from `from` until `to` receives one: the hubs' subscriptions are made as the
 * clients join, asynchronously, so this waits for the path between them to be open.
 */
export async function untilJoined(from: ChatClient, to: ChatClient, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms
  for (let i = 0; Date.now() < deadline; i++) {
    from.send(`sync-${i}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    if (to.messages.some((m) => m.startsWith('sync-'))) return
  }
  throw new Error(`the clients never joined; got ${JSON.stringify(to.messages)}`)
}
