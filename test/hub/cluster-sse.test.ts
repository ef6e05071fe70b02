import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import WebSocketClient from 'ws'
import { fixtureApp } from '../fixtures/child.js'
import { getText as get, sleep } from '../fixtures/net.js'
import { SseReader } from './helpers.js'

const app = fileURLToPath(new URL('./fixtures/cluster-sse-app.js', import.meta.url))


describe('cluster() workers on clusterHub', () => {
  const cluster = fixtureApp(app)

  it('delivers a broadcast made in one worker to the SSE clients of every worker', async () => {
    const readers: SseReader[] = []
    const workers = new Set<string>()
    for (let i = 0; i < 8 && workers.size < 2; i++) {
      const r = await SseReader.open(cluster.port, '/events')
      await r.until(() => r.events.length > 0)
      workers.add(r.events[0].data)
      readers.push(r)
    }
    assert.equal(workers.size, 2)
    await sleep(50)
    await get(cluster.port, '/broadcast?data=everyone')
    for (const r of readers) await r.until(() => r.data.includes('everyone'))
    for (const r of readers) assert.equal(r.data.filter((d) => d === 'everyone').length, 1)
    for (const r of readers) r.close()
  })

  it('delivers a binary WebSocket publish made in one worker to the subscribers of every worker', async () => {
    const sockets: WebSocketClient[] = []
    const got: Array<{ binary: boolean; text: string }[]> = []
    for (let i = 0; i < 4; i++) {
      const ws = new WebSocketClient(`ws://127.0.0.1:${cluster.port}/ws`)
      const mine: { binary: boolean; text: string }[] = []
      got.push(mine)
      ws.on('message', (data, binary) => mine.push({ binary, text: String(data) }))
      await new Promise((resolve) => ws.once('open', resolve))
      sockets.push(ws)
    }
    await sleep(50)
    await get(cluster.port, '/publish?msg=bytes')
    const deadline = Date.now() + 5000
    while (got.some((g) => g.length === 0) && Date.now() < deadline) await sleep(20)
    for (const g of got) assert.deepEqual(g, [{ binary: true, text: 'bytes' }])
    for (const ws of sockets) ws.close()
  })
})
