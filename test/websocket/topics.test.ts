import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { connectWebSocket } from '../../src/websocket/client.js'
import { TopicRegistry } from '../../src/websocket/topics.js'
import type { WebSocket } from '../../src/websocket/websocket.js'
import { rawClient, startUpgradeServer } from './helpers.js'

async function setup(count: number, options = {}) {
  const topics = new TopicRegistry()
  const serverSide: WebSocket[] = []
  const server = await startUpgradeServer(options, (ws) => {
    ws.topics = topics
    ws.subscribe('room')
    serverSide.push(ws)
  })
  const clients: WebSocket[] = []
  for (let i = 0; i < count; i++) clients.push(await connectWebSocket(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: i % 2 === 0 }))
  while (topics.subscriberCount('room') < count) await new Promise((r) => setTimeout(r, 5))
  const close = async () => {
    for (const c of clients) c.terminate()
    await server.close()
  }
  return { topics, serverSide, clients, close }
}

describe('topics (broadcast)', () => {
  it('publishes to every subscriber, in order, text and binary', async () => {
    const { topics, clients, close } = await setup(4, { perMessageDeflate: { serverNoContextTakeover: true, threshold: 0 } })
    try {
      assert.equal(topics.publish('room', 'one'), 4)
      assert.equal(topics.publish('room', Buffer.from([1, 2])), 4)
      assert.equal(topics.publish('room', 'x'.repeat(5000)), 4)
      for (const c of clients) {
        assert.equal(await c.receive(), 'one')
        assert.deepEqual(await c.receive(), Buffer.from([1, 2]))
        assert.equal(await c.receive(), 'x'.repeat(5000))
      }
    } finally {
      await close()
    }
  })

  it('compresses with context takeover per socket when the server keeps its context', async () => {
    const { topics, clients, close } = await setup(2, { perMessageDeflate: { threshold: 0 } })
    try {
      for (let i = 0; i < 3; i++) topics.publish('room', `message ${i} `.repeat(50))
      for (const c of clients) for (let i = 0; i < 3; i++) assert.equal(await c.receive(), `message ${i} `.repeat(50))
    } finally {
      await close()
    }
  })

  it('§5.4: fragments a published message for a socket with fragmentSize', async () => {
    const topics = new TopicRegistry()
    const server = await startUpgradeServer({ fragmentSize: 100 }, (ws) => {
      ws.topics = topics
      ws.subscribe('room')
    })
    const client = await rawClient(server.port)
    try {
      while (topics.subscriberCount('room') < 1) await new Promise((r) => setTimeout(r, 5))
      assert.equal(topics.publish('room', 'y'.repeat(250)), 1)
      const frames = [await client.nextFrame(), await client.nextFrame(), await client.nextFrame()]
      assert.deepEqual(frames.map((f) => [f.opcode, f.fin, f.payload.length]), [[1, false, 100], [0, false, 100], [0, true, 50]])
    } finally {
      client.socket.destroy()
      await server.close()
    }
  })

  it('skips the socket named in except', async () => {
    const { topics, serverSide, clients, close } = await setup(2)
    try {
      assert.equal(topics.publish('room', 'not for the first', { except: serverSide[0] }), 1)
      assert.equal(await clients[1].receive(), 'not for the first')
    } finally {
      await close()
    }
  })

  it('counts, lists and unsubscribes, calling the topic hooks', async () => {
    const { topics, serverSide, close } = await setup(2)
    const events: string[] = []
    topics.onTopicOpened = (t) => events.push(`open ${t}`)
    topics.onTopicClosed = (t) => events.push(`close ${t}`)
    try {
      serverSide[0].subscribe('solo')
      serverSide[0].unsubscribe('solo')
      assert.deepEqual(events, ['open solo', 'close solo'])
      assert.deepEqual(topics.topicNames(), ['room'])
      serverSide[0].unsubscribe('room')
      assert.equal(serverSide[0].isSubscribed('room'), false)
      assert.equal(topics.subscriberCount('room'), 1)
      assert.equal(topics.publish('nobody', 'x'), 0)
    } finally {
      await close()
    }
  })

  it('applies the slow-consumer policy per subscriber', async () => {
    const { topics, serverSide, clients, close } = await setup(1, { highWaterMark: 64 * 1024, slowConsumer: 'drop' })
    try {
      ;(clients[0] as unknown as { socket: { pause(): void } }).socket.pause()
      const big = Buffer.alloc(32 * 1024)
      let delivered = 0
      for (let i = 0; i < 200; i++) delivered += topics.publish('room', big)
      assert.ok(delivered > 0 && delivered < 200 * 1)
      assert.equal(serverSide[0].readyState, 1)
    } finally {
      await close()
    }
  })
})
