/**
 * `npm run bench:sse`: SSE broadcast, Portico vs a plain `node:http` SSE server.
 *
 * 1. Fan-out: SSE_CLIENTS raw-socket clients (default 1000) in this process; the server (a child
 *    process) broadcasts SSE_EVENTS events (default 2000) of SSE_SIZE bytes (default 100) to all.
 *    Reports delivered events/s (clients × events / time until the last byte arrived) and the
 *    server's peak RSS. Every event must arrive, or the run fails.
 * 2. Idle: SSE_IDLE_CLIENTS (default 10 000) connected clients; reports the server's RSS.
 *    Needs two file descriptors per client across the two processes: run under
 *    `ulimit -n 65536` (or at least idle clients + 1000).
 *
 * Quick run: `SSE_CLIENTS=200 SSE_EVENTS=200 SSE_IDLE_CLIENTS=1000 npm run bench:sse`.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { ServerKind } from './sse-servers.js'

const CLIENTS = Number(process.env.SSE_CLIENTS ?? 1000)
const EVENTS = Number(process.env.SSE_EVENTS ?? 2000)
const SIZE = Number(process.env.SSE_SIZE ?? 100)
const IDLE_CLIENTS = Number(process.env.SSE_IDLE_CLIENTS ?? 10_000)
const BATCH = 20
const LFLF = Buffer.from('\n\n')
const SERVER_SCRIPT = fileURLToPath(new URL('./sse-servers.js', import.meta.url))

interface Child {
  proc: ChildProcess
  port: number
  request<T>(msg: object, reply: string): Promise<T>
}

function startChild(kind: ServerKind): Promise<Child> {
  // SSE_SERVER_ARGS passes node flags to the server process (e.g. `--cpu-prof`).
  const execArgv = process.env.SSE_SERVER_ARGS === undefined ? [] : process.env.SSE_SERVER_ARGS.split(' ')
  const proc = fork(SERVER_SCRIPT, [kind], { stdio: 'inherit', execArgv })
  return new Promise((resolve, reject) => {
    proc.once('error', reject)
    proc.once('message', (msg: { type: string; port: number }) => {
      const request = <T>(m: object, reply: string): Promise<T> =>
        new Promise((res) => {
          const on = (r: { type: string }): void => {
            if (r.type !== reply) return
            proc.off('message', on)
            res(r as T)
          }
          proc.on('message', on)
          proc.send(m)
        })
      resolve({ proc, port: msg.port, request })
    })
  })
}

/** A raw SSE client that counts dispatched events (`\n\n`) across chunk boundaries. */
interface Counter {
  socket: Socket
  events: number
  lastWasLF: boolean
}

async function openClients(port: number, n: number, onEvent: () => void): Promise<Counter[]> {
  const clients: Counter[] = []
  for (let start = 0; start < n; start += 250) {
    const batch: Promise<void>[] = []
    for (let i = start; i < Math.min(n, start + 250); i++) {
      batch.push(new Promise((resolve, reject) => {
        const socket = connect({ port, host: '127.0.0.1' }, () => {
          socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`)
          resolve()
        })
        socket.once('error', reject)
        const c: Counter = { socket, events: 0, lastWasLF: false }
        socket.on('data', (d: Buffer) => {
          // Events end in a blank line; the streams measured carry no other `\n\n`.
          let n = 0
          if (c.lastWasLF && d[0] === 10) n++
          let at = d.indexOf(LFLF)
          while (at !== -1) {
            n++
            at = d.indexOf(LFLF, at + 2)
          }
          c.lastWasLF = d[d.length - 1] === 10
          c.events += n
          for (let k = 0; k < n; k++) onEvent()
        })
        clients.push(c)
      }))
    }
    await Promise.all(batch)
  }
  return clients
}

async function waitConnected(child: Child, n: number): Promise<void> {
  for (;;) {
    const { connected } = await child.request<{ connected: number }>({ type: 'count' }, 'count')
    if (connected >= n) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function fanOut(kind: ServerKind): Promise<{ eps: number; peakMB: number; ms: number }> {
  const child = await startChild(kind)
  const expected = CLIENTS * EVENTS
  let delivered = 0
  let finish: () => void = () => {}
  const allArrived = new Promise<void>((resolve) => {
    finish = resolve
  })
  const clients = await openClients(child.port, CLIENTS, () => {
    if (++delivered === expected) finish()
  })
  await waitConnected(child, CLIENTS)
  const t0 = process.hrtime.bigint()
  child.proc.send({ type: 'broadcast', events: EVENTS, size: SIZE, batch: BATCH })
  const timeout = setTimeout(() => finish(), 120_000)
  await allArrived
  clearTimeout(timeout)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  const { peak } = await child.request<{ peak: number }>({ type: 'rss' }, 'rss')
  for (const c of clients) c.socket.destroy()
  child.proc.send({ type: 'exit' })
  const missing = clients.filter((c) => c.events !== EVENTS).length
  if (delivered !== expected || missing > 0) {
    throw new Error(`${kind}: ${expected - delivered} events missing (${missing} clients short)`)
  }
  return { eps: Math.round(expected / (ms / 1000)), peakMB: Math.round(peak / 1e5) / 10, ms: Math.round(ms) }
}

async function idle(kind: ServerKind): Promise<{ rssMB: number; baseMB: number }> {
  const child = await startChild(kind)
  const base = await child.request<{ rss: number }>({ type: 'rss' }, 'rss')
  const clients = await openClients(child.port, IDLE_CLIENTS, () => {})
  await waitConnected(child, IDLE_CLIENTS)
  await new Promise((r) => setTimeout(r, 200))
  const { rss } = await child.request<{ rss: number }>({ type: 'rss' }, 'rss')
  for (const c of clients) c.socket.destroy()
  child.proc.send({ type: 'exit' })
  return { rssMB: Math.round(rss / 1e5) / 10, baseMB: Math.round(base.rss / 1e5) / 10 }
}

async function main(): Promise<void> {
  console.log(`SSE fan-out: ${CLIENTS} clients × ${EVENTS} events of ${SIZE} bytes`)
  const results: Record<string, { eps: number; peakMB: number; ms: number }> = {}
  for (const kind of ['node', 'portico'] as const) {
    results[kind] = await fanOut(kind)
    const r = results[kind]
    console.log(`  ${kind.padEnd(8)} ${r.eps.toLocaleString('en')} events/s  (${r.ms} ms)  peak RSS ${r.peakMB} MB`)
  }
  console.log(`  portico / node: ${(results.portico.eps / results.node.eps).toFixed(2)}×`)
  if (IDLE_CLIENTS > 0) {
    console.log(`SSE idle: ${IDLE_CLIENTS} connected clients`)
    for (const kind of ['node', 'portico'] as const) {
      const r = await idle(kind)
      console.log(`  ${kind.padEnd(8)} server RSS ${r.rssMB} MB (empty: ${r.baseMB} MB)`)
    }
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
