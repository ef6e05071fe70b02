import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import WebSocketClient from 'ws'
import { Child } from '../fixtures/child.js'
import { getText as get, sleep } from '../fixtures/net.js'
import { RedisProcess } from '../fixtures/redis.js'
import { SseReader } from './helpers.js'
import { compareSeq } from '../../src/hub/replay-store.js'

const app = fileURLToPath(new URL('./fixtures/instance-app.js', import.meta.url))


async function open(port: number, lastEventId?: string): Promise<SseReader> {
  return SseReader.open(port, '/events', lastEventId)
}

describe('two Portico instances on one Redis', () => {
  let redis: RedisProcess
  let a: Child
  let b: Child
  let portA = 0
  let portB = 0
  const readers: SseReader[] = []

  before(async () => {
    redis = await RedisProcess.start()
    const env = { REDIS_URL: redis.url, HUB_PREFIX: 'x:' }
    a = Child.start(app, [], env)
    b = Child.start(app, [], env)
    portA = (await a.line((l) => typeof l.port === 'number')).port as number
    portB = (await b.line((l) => typeof l.port === 'number')).port as number
  })

  after(async () => {
    for (const r of readers) r.close()
    a.kill()
    b.kill()
    await Promise.all([a.exit(), b.exit()])
    await redis.stop()
  })

  async function clients(): Promise<SseReader[]> {
    const list = [await open(portA), await open(portA), await open(portB), await open(portB)]
    readers.push(...list)
    await sleep(100)
    return list
  }

  it('delivers a broadcast on one instance to the SSE clients of both, with one id', async () => {
    const list = await clients()
    await get(portA, '/broadcast?data=hello')
    for (const r of list) await r.until(() => r.data.includes('hello'))
    const ids = new Set(list.map((r) => r.events.find((e) => e.data === 'hello')?.id))
    assert.equal(ids.size, 1)
    assert.match([...ids][0] ?? '', /^\d+-\d+$/)
    for (const r of list) r.close()
  })

  it('delivers a WebSocket publish on one instance to the subscribers of both', async () => {
    const sockets = [new WebSocketClient(`ws://127.0.0.1:${portA}/ws`), new WebSocketClient(`ws://127.0.0.1:${portB}/ws`)]
    const got: string[][] = [[], []]
    await Promise.all(sockets.map((ws, i) => new Promise((resolve) => {
      ws.on('message', (data) => got[i].push(String(data)))
      ws.once('open', resolve)
    })))
    await sleep(100)
    await get(portB, '/publish?msg=hi%20all')
    const deadline = Date.now() + 5000
    while ((got[0].length === 0 || got[1].length === 0) && Date.now() < deadline) await sleep(20)
    assert.deepEqual(got, [['hi all'], ['hi all']])
    for (const ws of sockets) ws.close()
  })

  it('replays what a client missed when it reconnects to the other instance with Last-Event-ID', async () => {
    const first = await open(portA)
    readers.push(first)
    await sleep(50)
    await get(portA, '/broadcast?data=r1')
    await get(portA, '/broadcast?data=r2')
    await first.until(() => first.data.includes('r2'))
    const lastId = first.events.at(-1)?.id
    first.close()
    await get(portA, '/broadcast?data=r3')
    await get(portA, '/broadcast?data=r4')
    await sleep(100)
    const again = await open(portB, lastId)
    readers.push(again)
    await again.until(() => again.data.includes('r4'))
    await get(portA, '/broadcast?data=r5')
    await again.until(() => again.data.includes('r5'))
    assert.deepEqual(again.data, ['r3', 'r4', 'r5'])
    again.close()
  })

  it('survives Redis being killed and restarted mid-stream; SSE clients get every event', async () => {
    const list = await clients()
    const sent: string[] = []
    for (let i = 1; i <= 16; i++) {
      if (i === 5) await redis.stop()
      if (i === 10) redis = await RedisProcess.start(redis.port)
      sent.push(`s${i}`)
      await get(i % 2 === 0 ? portA : portB, `/broadcast?data=s${i}`)
      await sleep(60)
    }
    try {
      for (const r of list) await r.until(() => sent.every((s) => r.data.includes(s)), 8000)
    } catch (error) {
      const errors = [...a.lines, ...b.lines].filter((l) => l.serverError !== undefined)
      throw new Error(`${(error as Error).message}; clients: ${JSON.stringify(list.map((r) => r.data))}; server errors: ${JSON.stringify(errors)}`)
    }
    // Every client gets every event once, all in the same order: the order Redis recorded them
    // (events queued by two instances during the outage interleave as their queues flushed).
    const orders = list.map((r) => r.events.filter((e) => e.data.startsWith('s')))
    for (const order of orders) {
      assert.deepEqual(order.map((e) => e.data).sort(), [...sent].sort())
      assert.deepEqual(order.map((e) => e.data), orders[0].map((e) => e.data))
      const ids = order.map((e) => e.id ?? '')
      assert.deepEqual(ids, [...ids].sort(compareSeq))
    }
    assert.equal(a.exited, undefined)
    assert.equal(b.exited, undefined)
    assert.equal(await get(portA, '/count'), '2')
    assert.equal(await get(portB, '/count'), '2')
    for (const r of list) r.close()
  })
})
