/**
 * Client benchmark: GET of a small body, 10 requests in flight over keep-alive, against one
 * `node:http` server running in a child process. Compares Portico's `request()` with
 * `undici.request` and `node:http` with a keep-alive Agent in the same run, as ratios.
 *
 *   npm run bench:client            (BENCH_SECONDS=5 CONCURRENCY=10 to change the defaults)
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process'
import { Agent as NodeAgent, createServer, get as nodeGet } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Pool, request as undiciRequest } from 'undici'
import { Agent, request } from '../src/client/index.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 10)
const BODY = JSON.stringify({ hello: 'world', n: 42 })

if (process.argv[2] === 'server') {
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json')
    res.end(BODY)
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port))
  process.on('disconnect', () => process.exit(0))
} else {
  await main()
}

async function main(): Promise<void> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['server'])
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))))
  const url = `http://127.0.0.1:${port}/`

  const porticoAgent = new Agent({ maxSocketsPerOrigin: CONCURRENCY })
  const undiciPool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY })
  const nodeAgent = new NodeAgent({ keepAlive: true, maxSockets: CONCURRENCY })

  const clients: [string, () => Promise<string>][] = [
    ['portico request()', async () => (await request(url, { agent: porticoAgent })).text()],
    ['undici.request', async () => (await undiciRequest(url, { dispatcher: undiciPool })).body.text()],
    ['node:http keep-alive', () => nodeGetText(url, nodeAgent)],
  ]
  // Two interleaved rounds (the machine is shared): each client keeps its best round.
  const results = new Map<string, number>()
  for (let round = 0; round < 2; round++) {
    for (const [name, fn] of round === 0 ? clients : [...clients].reverse()) {
      await run(fn, 0.5)
      const rate = await run(fn, SECONDS)
      results.set(name, Math.max(rate, results.get(name) ?? 0))
    }
  }
  const undici = results.get('undici.request') as number
  console.log(`GET small body, ${CONCURRENCY} in flight, best of 2 × ${SECONDS}s, node ${process.version}`)
  for (const [name, rate] of results) {
    console.log(`${name.padEnd(22)} ${Math.round(rate).toString().padStart(8)} req/s   ${(rate / undici).toFixed(2)}× undici`)
  }
  await porticoAgent.close()
  await undiciPool.close()
  nodeAgent.destroy()
  child.disconnect()
}

async function run(fn: () => Promise<string>, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000
  let count = 0
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const body = await fn()
      if (body.length !== BODY.length) throw new Error('bad body')
      count++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return count / ((performance.now() - started) / 1000)
}

function nodeGetText(url: string, agent: NodeAgent): Promise<string> {
  return new Promise((resolve, reject) => {
    nodeGet(url, { agent }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => resolve(text))
      res.on('error', reject)
    }).on('error', reject)
  })
}
