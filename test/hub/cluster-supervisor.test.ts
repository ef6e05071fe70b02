import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { fixtureApp } from '../fixtures/child.js'
import { getText, sleep } from '../fixtures/net.js'

const app = fileURLToPath(new URL('./fixtures/cluster-app.js', import.meta.url))

/** GET on its own connection, closed after; rejects unless 200. */
const get = (port: number, path: string): Promise<string> => getText(port, path, { headers: { connection: 'close' }, requireOk: true })

async function pidsSeen(port: number, want: number): Promise<Set<string>> {
  const pids = new Set<string>()
  for (let i = 0; i < 40 && pids.size < want; i++) pids.add(await get(port, '/pid'))
  return pids
}

describe('cluster() supervisor', { timeout: 60_000 }, () => {
  const cluster = fixtureApp(app, 'SIGKILL')

  it('serves from two worker processes sharing one port', async () => {
    const up = await cluster.child.line((l) => l.up === true)
    const pids = await pidsSeen(cluster.port, 2)
    assert.deepEqual([...pids].sort(), (up.pids as number[]).map(String).sort())
  })

  it('restarts a worker that dies', async () => {
    const [victim] = [...(await pidsSeen(cluster.port, 1))]
    const mark = cluster.child.lines.length
    process.kill(Number(victim), 'SIGKILL')
    const exited = await cluster.child.line((l) => l.exited === Number(victim), 5000, mark)
    assert.equal(exited.restarting, true)
    const started = await cluster.child.line((l) => typeof l.started === 'number', 5000, mark)
    assert.notEqual(started.started, Number(victim))
    const pids = await pidsSeen(cluster.port, 2)
    assert.ok(pids.has(String(started.started)))
  })

  it('replaces every worker one at a time on SIGHUP without a failed request', async () => {
    const before = await pidsSeen(cluster.port, 2)
    const mark = cluster.child.lines.length
    let failures = 0
    let served = 0
    let running = true
    const load = (async () => {
      while (running) {
        await get(cluster.port, '/pid').then(() => served++, () => failures++)
      }
    })()
    cluster.child.proc.kill('SIGHUP')
    const reloaded = await cluster.child.line((l) => l.reloaded === true, 10_000, mark)
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
    const slow = get(cluster.port, '/slow')
    await sleep(150)
    cluster.child.proc.kill('SIGTERM')
    assert.equal(await slow, 'slow-done')
    assert.equal(await cluster.child.exit(), 0)
  })
})
