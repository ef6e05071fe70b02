import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { Child, freePort, sleep } from './helpers.js'

const app = fileURLToPath(new URL('./fixtures/cluster-app.js', import.meta.url))

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}`))))
    })
    req.on('error', reject)
    req.end()
  })
}

async function pidsSeen(port: number, want: number): Promise<Set<string>> {
  const pids = new Set<string>()
  for (let i = 0; i < 40 && pids.size < want; i++) pids.add(await get(port, '/pid'))
  return pids
}

describe('cluster() supervisor', () => {
  let port = 0
  let child: Child

  before(async () => {
    port = await freePort()
    child = Child.start(app, [], { PORT: String(port) })
    await child.line((l) => l.up === true)
  })

  after(async () => {
    child.kill('SIGKILL')
    await child.exit().catch(() => {})
  })

  it('serves from two worker processes sharing one port', async () => {
    const up = await child.line((l) => l.up === true)
    const pids = await pidsSeen(port, 2)
    assert.deepEqual([...pids].sort(), (up.pids as number[]).map(String).sort())
  })

  it('restarts a worker that dies', async () => {
    const [victim] = [...(await pidsSeen(port, 1))]
    const mark = child.lines.length
    process.kill(Number(victim), 'SIGKILL')
    const exited = await child.line((l) => l.exited === Number(victim), 5000, mark)
    assert.equal(exited.restarting, true)
    const started = await child.line((l) => typeof l.started === 'number', 5000, mark)
    assert.notEqual(started.started, Number(victim))
    const pids = await pidsSeen(port, 2)
    assert.ok(pids.has(String(started.started)))
  })

  it('replaces every worker one at a time on SIGHUP without a failed request', async () => {
    const before = await pidsSeen(port, 2)
    const mark = child.lines.length
    let failures = 0
    let served = 0
    let running = true
    const load = (async () => {
      while (running) {
        await get(port, '/pid').then(() => served++, () => failures++)
      }
    })()
    child.proc.kill('SIGHUP')
    const reloaded = await child.line((l) => l.reloaded === true, 10_000, mark)
    await sleep(50)
    running = false
    await load
    assert.equal(failures, 0)
    assert.ok(served > 0)
    const now = (reloaded.pids as number[]).map(String)
    assert.equal(now.length, 2)
    for (const pid of now) assert.equal(before.has(pid), false)
  })

  it('lets an in-flight request finish on SIGTERM, then exits 0', async () => {
    const slow = get(port, '/slow')
    await sleep(150)
    child.proc.kill('SIGTERM')
    assert.equal(await slow, 'slow-done')
    assert.equal(await child.exit(), 0)
  })
})
