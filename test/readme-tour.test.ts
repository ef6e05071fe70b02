// The README's tour, run for real: if a name it shows changes, this file stops compiling; if
// a behaviour it promises breaks, a test fails.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createServer, HttpError, compress, connectWebSocket, request, HTTPClient, Status, sse, type SSEConnection,
} from '../src/index.js'

test('the README tour: routes, typed params, HttpError, middleware, static, CORS, SSE, WebSocket, client', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-readme-'))
  writeFileSync(join(dir, 'hello.txt'), 'static hello\n')
  const app = createServer({ maxConcurrentRequests: 100, keepAliveTimeout: 5_000 })
  try {
    app.registerRoute('GET', '/api/users/{id}', (req, res) => {
      res.setJson({ user_id: req.getPathParam('id') })
    })
    app.registerRoute('POST', '/api/data', async (req, res) => {
      const data = await req.parseJsonBody()
      res.setStatus(201)
      res.setJson({ received: data })
    })
    app.get('/users/{id:int}/posts/{slug}', (req) => {
      const id: number = req.params.id
      if (id > 1000) throw new HttpError(404, 'No such user')
      return { id, slug: req.params.slug }
    })
    app.use(async (_req, res, next) => {
      await next()
      if (!res.headersSent) res.setHeader('X-Took', '0') // streams (SSE, files) are already on their way
    })
    app.serveStatic('/assets', dir, { cacheControl: 'public, max-age=3600' })
    app.setCorsEnabled(true)
    app.setCorsOrigin('https://example.com')
    app.use(compress(), { stage: 'encoding' })
    const opened: SSEConnection[] = []
    app.get('/events', (_req, res) => {
      const conn = res.startSSE()
      conn.join('news')
      opened.push(conn)
      void conn.sendEvent('welcome', 'Connected!\nline two', '1')
    })
    app.ws('/ws', async (ws) => {
      ws.subscribe('chat')
      for await (const message of ws) app.publish('chat', message)
    })
    await app.listen(0, '127.0.0.1')
    const base = `http://127.0.0.1:${app.getPort()}`

    const user = await request(`${base}/api/users/7`)
    assert.deepEqual(await user.json(), { user_id: '7' })
    assert.equal(user.headers['x-took'], '0', 'a middleware sets a header after await next()')
    const posted = await request(`${base}/api/data`, { method: 'POST', json: { a: 1 } })
    assert.equal(posted.status, 201)
    assert.deepEqual(await posted.json(), { received: { a: 1 } })
    assert.deepEqual(await (await request(`${base}/users/12/posts/hi`)).json(), { id: 12, slug: 'hi' })
    const missing = await request(`${base}/users/5000/posts/hi`)
    assert.equal(missing.status, 404)
    assert.equal((await missing.text()).trim(), 'No such user')
    const file = await request(`${base}/assets/hello.txt`, { headers: { origin: 'https://example.com' } })
    assert.equal(await file.text(), 'static hello\n')
    assert.equal(file.headers['cache-control'], 'public, max-age=3600')
    assert.equal(file.headers['access-control-allow-origin'], 'https://example.com')

    const events = sse(`${base}/events`)
    const first = await events[Symbol.asyncIterator]().next()
    assert.equal(first.value?.type, 'welcome')
    assert.equal(first.value?.data, 'Connected!\nline two')
    assert.equal(app.broadcast('news', 'headline', { title: 'Portico 0.1' }), 1)

    const client = await connectWebSocket(`ws://127.0.0.1:${app.getPort()}/ws`, { perMessageDeflate: true })
    await client.send('hello')
    assert.equal(await client.receive(), 'hello')
    client.close(1000)

    const http = new HTTPClient()
    http.connectToHost('127.0.0.1', app.getPort())
    while (http.getStatus() === Status.CONNECTING || http.getStatus() === Status.RESOLVING) await http.pollAsync()
    assert.equal(http.getStatus(), Status.CONNECTED)
    http.close()
    await events.return?.()
  } finally {
    await app.stop({ timeout: 2000 })
    rmSync(dir, { recursive: true, force: true })
  }
})
