import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server as NetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Child } from '../fixtures/child.js'
import { sleep } from '../fixtures/net.js'

const app = fileURLToPath(new URL('./fixtures/faulty-cluster-app.js', import.meta.url))

/** A running fixture primary, its flag directory, and helpers over its JSON lines. */
interface App {
  readonly child: Child
  /** Creates (`on`) or removes a flag file read by the workers' setup. */
  flag(name: 'broken' | 'hang' | 'slow', on: boolean): void
  /** Asks the primary for its state (SIGUSR2) and resolves the answer. */
  state(): Promise<{ pids: number[]; processes: number }>
}

/** Every worker pid the app's lines mention. */
function workerPids(child: Child): Set<number> {
  const pids = new Set<number>()
  for (const l of child.lines) {
    for (const v of [l.booting, l.started, l.exited, ...(Array.isArray(l.pids) ? l.pids : [])]) if (typeof v === 'number') pids.add(v)
  }
  return pids
}

/**
 * Runs the fixture primary with `env`, gives it to `body`, and always cleans up: the workers
 * first (their pids cannot be reused while the primary has not reaped them), then the primary.
 */
async function withApp(env: Record<string, string>, body: (app: App) => Promise<void>): Promise<void> {
  const flags = mkdtempSync(join(tmpdir(), 'portico-cluster-faults-'))
  const child = Child.start(app, [], { FLAGS: flags, ...env })
  const flag = (name: string, on: boolean): void => (on ? writeFileSync(join(flags, name), '') : rmSync(join(flags, name), { force: true }))
  const state = async (): Promise<{ pids: number[]; processes: number }> => {
    const mark = child.lines.length
    child.kill('SIGUSR2')
    const l = await child.line((x) => x.state === true, 2000, mark)
    return { pids: l.pids as number[], processes: l.processes as number }
  }
  try {
    await body({ child, flag, state })
  } finally {
    for (const pid of workerPids(child)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    child.kill('SIGKILL')
    await child.exit(5000).catch(() => {})
    rmSync(flags, { recursive: true, force: true })
  }
}

const up = async (child: Child): Promise<number[]> => (await child.line((l) => l.up === true, 8000)).pids as number[]
const text = (chain: unknown): string => JSON.stringify(chain)

describe('cluster() supervisor faults', { timeout: 20_000 }, () => {
  it('drops a reload\'s new worker that fails to start, keeps the old ones, and never runs workers + 1', async () => {
    await withApp({ WORKERS: '2' }, async ({ child, flag, state }) => {
      const before = await up(child)
      const mark = child.lines.length
      flag('broken', true)
      child.kill('SIGHUP')
      const failed = await child.line((l) => l.reloadFailed !== undefined, 3000, mark)
      assert.match(text(failed.reloadFailed), /PORTICO_ERR_CLUSTER_START/)
      assert.match(text(failed.reloadFailed), /broken deploy/)
      const candidate = await child.line((l) => typeof l.exited === 'number' && !before.includes(l.exited), 2000, mark)
      assert.equal(candidate.restarting, false)
      // The fault clears: nothing comes back on top of the old workers.
      flag('broken', false)
      await sleep(500)
      const now = await state()
      assert.deepEqual(now.pids.slice().sort(), before.slice().sort())
      assert.equal(now.processes, 2)
      assert.equal(child.lines.slice(mark).some((l) => l.started !== undefined), false)
    })
  })

  it('kills a restarted worker that does not serve within startTimeoutMs and replaces it', async () => {
    await withApp({ WORKERS: '1', START_TIMEOUT_MS: '1000' }, async ({ child, flag, state }) => {
      const [victim] = await up(child)
      const mark = child.lines.length
      flag('hang', true)
      process.kill(victim, 'SIGKILL')
      const hung = (await child.line((l) => l.mode === 'hang', 2000, mark)).booting as number
      flag('hang', false)
      assert.deepEqual((await state()).pids, [], 'a worker still in setup is not reported as serving')
      const killed = await child.line((l) => l.exited === hung, 3000, mark)
      assert.equal(killed.signal, 'SIGKILL')
      assert.equal(killed.restarting, true)
      const started = (await child.line((l) => typeof l.started === 'number', 3000, mark)).started as number
      assert.notEqual(started, hung)
      const now = await state()
      assert.deepEqual(now.pids, [started])
      assert.equal(now.processes, 1)
    })
  })

  it('stops promptly a worker forked just before stop()', async () => {
    await withApp({ WORKERS: '1', STOP_TIMEOUT_MS: '5000', STOP_AT_FORK: '1' }, async ({ child }) => {
      const [victim] = await up(child)
      const mark = child.lines.length
      process.kill(victim, 'SIGKILL') // restarted after 20 ms; the fixture calls stop() at that fork
      // Before, the stop was lost: the worker was killed after stopTimeoutMs + 1 s (6 s).
      const stopped = await child.line((l) => typeof l.stopped === 'number', 4000, mark)
      assert.ok((stopped.stopped as number) < 2500, `stop() took ${String(stopped.stopped)} ms`)
      assert.equal(await child.exit(), 0)
      const exits = child.lines.slice(mark).filter((l) => typeof l.exited === 'number' && l.exited !== victim)
      assert.equal(exits.length, 1)
      assert.notEqual(exits[0].signal, 'SIGKILL')
    })
  })

  it('stops gracefully a worker whose setup is still running', async () => {
    await withApp({ WORKERS: '1', STOP_TIMEOUT_MS: '5000' }, async ({ child, flag }) => {
      const [victim] = await up(child)
      const mark = child.lines.length
      flag('slow', true)
      process.kill(victim, 'SIGKILL')
      const booting = (await child.line((l) => l.mode === 'slow', 2000, mark)).booting as number
      child.kill('SIGTERM')
      // Before, the stop was lost: the worker was killed after stopTimeoutMs + 1 s (6 s).
      const stopped = await child.line((l) => typeof l.stopped === 'number', 4000, mark)
      assert.ok((stopped.stopped as number) < 2500, `stop() took ${String(stopped.stopped)} ms`)
      const exit = await child.line((l) => l.exited === booting, 1000, mark)
      assert.deepEqual([exit.code, exit.signal], [0, null])
    })
  })

  it('rejects with the worker\'s own startup error (EADDRINUSE) and leaves no signal handler behind', async () => {
    const blocker: NetServer = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const address = blocker.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    try {
      await withApp({ WORKERS: '2', PORT: String(port), SIGNALS: '1' }, async ({ child }) => {
        const failed = await child.line((l) => l.failed !== undefined, 8000)
        const chain = failed.failed as Array<{ code: unknown; message: unknown }>
        assert.equal(chain[0].code, 'PORTICO_ERR_CLUSTER_START')
        assert.match(String(chain[0].message), /EADDRINUSE/)
        assert.ok(chain.some((e) => e.code === 'EADDRINUSE'), text(chain))
        assert.deepEqual([failed.sighup, failed.sigterm, failed.sigint], [0, 0, 0])
        assert.equal(await child.exit(), 1)
      })
    } finally {
      blocker.close()
    }
  })
})
