import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from '../../src/server/index.js'
import { Agent, HTTPClient, Method, Status, request } from '../../src/client/index.js'

describe("the client against Portico's own server", () => {
  let server: Server
  let agent: Agent
  before(async () => {
    server = createServer()
    server.on('serverError', () => {})
    server.registerRoute('GET', '/api/users/{id}', (req, res) => {
      res.setJson({ user_id: req.getPathParam('id') })
    })
    server.registerRoute('POST', '/api/data', async (req, res) => {
      const data = await req.parseJsonBody()
      res.setStatus(201)
      res.setJson({ received: data })
    })
    await server.listen(0, '127.0.0.1')
    agent = new Agent()
  })
  after(async () => {
    await agent.close()
    await server.stop({ graceful: false })
  })

  it('gets and posts JSON with request() over one keep-alive connection', async () => {
    const base = `http://127.0.0.1:${server.getPort()}`
    const user = await request(`${base}/api/users/42`, { agent })
    assert.equal(user.status, 200)
    assert.deepEqual(await user.json(), { user_id: '42' })
    const created = await request(`${base}/api/data`, { agent, json: { a: [1, 2] } })
    assert.equal(created.status, 201)
    assert.deepEqual(await created.json(), { received: { a: [1, 2] } })
    const missing = await request(`${base}/nowhere`, { agent })
    assert.equal(missing.status, 404)
    await missing.body.dump()
    assert.equal(agent.connections, 1)
  })

  it('walks the seed example with HTTPClient', async () => {
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', server.getPort())
    while ([Status.RESOLVING, Status.CONNECTING].includes(client.poll())) await client.pollAsync()
    assert.equal(client.getStatus(), Status.CONNECTED)
    const body = JSON.stringify({ x: 1 })
    client.request(Method.POST, '/api/data', ['Content-Type: application/json'], body)
    while (client.poll() === Status.REQUESTING) await client.pollAsync()
    assert.equal(client.getResponseCode(), 201)
    const parts: Buffer[] = []
    while (client.getStatus() === Status.BODY) {
      parts.push(client.readResponseBodyChunk())
      await client.pollAsync()
    }
    assert.deepEqual(JSON.parse(Buffer.concat(parts).toString()), { received: { x: 1 } })
    client.close()
  })
})
