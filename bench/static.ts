/**
 * The static-file benchmark (`npm run bench:static`, issue 6): Portico's `serveStatic` vs
 * `@fastify/static` vs `node:http` + `send`, on a 4 KiB and a 1 MiB file, in one run.
 *
 * Each server runs alone in a child process (pinned to CPU 0 when `taskset` exists, wrk on
 * CPU 1); per file, a warm-up wrk run then a measured one. Prints requests/s, MiB/s and the
 * ratio to @fastify/static.
 *
 * Quick check: `npm run bench:static -- --duration 2 --warmup 1`.
 * Options: `--duration <s>` (5), `--warmup <s>` (2), `--connections <n>` (50),
 * `--servers portico,fastify-static,node-send`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { installCleanup, track } from './lib/child-registry.js'
import { freePort } from './lib/server-process.js'
import { errorCount, runWrk, wrkVersion } from './lib/wrk-runner.js'

const SERVERS = ['portico', 'fastify-static', 'node-send'] as const
type ServerKind = (typeof SERVERS)[number]
const FILES = [
  { name: '4k.txt', size: 4 * 1024, label: '4 KiB' },
  { name: '1m.txt', size: 1024 * 1024, label: '1 MiB' },
] as const

/** Child mode: `static.js --serve <kind> <port> <dir>` starts one server and prints `ready`. */
async function serve(kind: ServerKind, port: number, dir: string): Promise<void> {
  if (kind === 'portico') {
    const { createServer } = await import('../src/server/index.js')
    const { mountStatic } = await import('../src/middleware/mount-static.js')
    const server = createServer()
    mountStatic(server, '/', dir)
    await server.listen(port, '127.0.0.1')
  } else if (kind === 'fastify-static') {
    const { default: Fastify } = await import('fastify')
    const { default: fastifyStatic } = await import('@fastify/static')
    const app = Fastify({ logger: false })
    await app.register(fastifyStatic, { root: dir })
    await app.listen({ port, host: '127.0.0.1' })
  } else {
    const { default: send } = await import('send')
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      send(req, path, { root: dir })
        .on('error', (err: { status?: number }) => {
          res.statusCode = err.status ?? 500
          res.end()
        })
        .pipe(res)
    })
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  }
  process.stdout.write('ready\n')
  process.on('SIGTERM', () => process.exit(0))
}

function startChild(kind: ServerKind, port: number, dir: string, cpu: number | undefined): Promise<() => void> {
  const script = fileURLToPath(import.meta.url)
  const nodeArgs = [script, '--serve', kind, String(port), dir]
  const child = track(
    cpu === undefined
      ? spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } })
      : spawn('taskset', ['-c', String(cpu), process.execPath, ...nodeArgs], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } }),
  )
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      if (s.includes('ready')) resolve(() => child.kill('SIGTERM'))
    })
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before ready`)))
  })
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '50' },
      servers: { type: 'string', default: SERVERS.join(',') },
    },
  })
  const wrk = wrkVersion()
  if (wrk === undefined) {
    process.stderr.write('wrk is not installed (apt-get install wrk).\n')
    process.exit(1)
  }
  installCleanup()
  const pin = cpus().length >= 2 && spawnSync('taskset', ['-V']).error === undefined
  const duration = Number(values.duration)
  const warmup = Number(values.warmup)
  const connections = Number(values.connections)
  const kinds = values.servers.split(',').filter((k): k is ServerKind => (SERVERS as readonly string[]).includes(k))
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-static-'))
  for (const f of FILES) writeFileSync(join(dir, f.name), randomBytes(f.size / 2).toString('hex'))
  process.stderr.write(`wrk -t1 -c${connections}, ${warmup}s warm-up + ${duration}s per run, ${pin ? 'server on CPU 0, wrk on CPU 1' : 'unpinned'}; ${wrk}\n`)

  const results = new Map<string, { rps: number; mibps: number; errors: number }>()
  try {
    for (const kind of kinds) {
      const port = await freePort()
      const stop = await startChild(kind, port, dir, pin ? 0 : undefined)
      try {
        for (const f of FILES) {
          const url = `http://127.0.0.1:${port}/${f.name}`
          if (warmup > 0) await runWrk({ url, seconds: warmup, connections, cpu: pin ? 1 : undefined })
          const r = await runWrk({ url, seconds: duration, connections, cpu: pin ? 1 : undefined })
          results.set(`${kind} ${f.name}`, { rps: r.requestsPerSec, mibps: (r.requestsPerSec * f.size) / 1048576, errors: errorCount(r.errors) })
          process.stderr.write(`  ${kind.padEnd(15)} ${f.label.padEnd(6)} ${r.requestsPerSec.toFixed(0).padStart(8)} req/s\n`)
        }
      } finally {
        stop()
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }

  const lines = ['| server | ' + FILES.map((f) => `${f.label} req/s | ${f.label} MiB/s | ${f.label} ×fastify`).join(' | ') + ' |']
  lines.push('|' + ' --- |'.repeat(1 + FILES.length * 3))
  for (const kind of kinds) {
    const cells = FILES.map((f) => {
      const r = results.get(`${kind} ${f.name}`)
      const base = results.get(`fastify-static ${f.name}`)
      if (r === undefined) return '– | – | –'
      const ratio = base === undefined ? '–' : (r.rps / base.rps).toFixed(2)
      return `${r.rps.toFixed(0)}${r.errors > 0 ? ` (${r.errors} errors)` : ''} | ${r.mibps.toFixed(0)} | ${ratio}`
    })
    lines.push(`| ${kind} | ${cells.join(' | ')} |`)
  }
  process.stdout.write(lines.join('\n') + '\n')
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] as ServerKind, Number(process.argv[4]), process.argv[5] as string)
} else {
  await main()
}
