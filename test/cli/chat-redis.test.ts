import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { freePort } from '../fixtures/net.js'
import { RedisProcess } from '../fixtures/redis.js'
import { ChatClient, runCli, startCli, untilJoined } from './cli-helpers.js'

describe('portico chat --redis', () => {
  let redis: RedisProcess

  before(async () => {
    redis = await RedisProcess.start()
  })

  after(async () => {
    await redis.stop()
  })

  it('carries a message between two chat processes joined through Redis', async () => {
    const one = await startCli(['chat', '-p', '0', '--redis', redis.url])
    const two = await startCli(['chat', '-p', '0', '--redis', redis.url]).catch(async (err: unknown) => {
      await one.stop()
      throw err
    })
    try {
      const a = await ChatClient.open(`ws://127.0.0.1:${one.port}/ws`)
      const b = await ChatClient.open(`ws://127.0.0.1:${two.port}/ws`)
      await untilJoined(a, b)
      a.send('across machines')
      await Promise.all([a.receive('across machines'), b.receive('across machines')])
      b.send('and back')
      await a.receive('and back')
      assert.equal(a.messages.filter((m) => m === 'across machines').length, 1)
      a.close()
      b.close()
    } finally {
      assert.equal(await one.stop(), 0)
      assert.equal(await two.stop(), 0)
    }
  })

  it('runs workers joined through Redis', async () => {
    const chat = await startCli(['chat', '-p', '0', '--workers', '2', '--redis', redis.url])
    try {
      assert.match(chat.output(), /joined through Redis/)
      const clients = await Promise.all(Array.from({ length: 4 }, () => ChatClient.open(`ws://127.0.0.1:${chat.port}/ws`)))
      for (const c of clients.slice(1)) await untilJoined(clients[0], c)
      clients[0].send('via redis')
      await Promise.all(clients.map((c) => c.receive('via redis')))
      for (const c of clients) c.close()
    } finally {
      assert.equal(await chat.stop(), 0)
    }
  })

  it('exits 1 with one line when Redis does not answer', async () => {
    const port = await freePort()
    const r = await runCli(['chat', '-p', '0', '--redis', `redis://127.0.0.1:${port}`])
    assert.equal(r.code, 1)
    assert.equal(r.stderr.trim().split('\n').length, 1)
    assert.match(r.stderr, /^portico chat: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/)
  })
})
