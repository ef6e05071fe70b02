import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { parseDemoArgs } from '../../src/cli/demo.js'
import { freePort } from '../fixtures/net.js'
import { ChatClient, fetchText, runCli, startCli } from './cli-helpers.js'

test('takes the port from --port, else PORT, else 8080', () => {
  assert.equal(parseDemoArgs([], {}).port, 8080)
  assert.equal(parseDemoArgs([], { PORT: '3000' }).port, 3000)
  assert.equal(parseDemoArgs(['-p', '4000'], { PORT: '3000' }).port, 4000)
  assert.throws(() => parseDemoArgs([], { PORT: 'http' }), /PORT must be a port number/)
})

test('demo answers 200 on every page the home page links', async () => {
  const demo = await startCli(['demo', '-p', '0'])
  try {
    const home = await fetchText(demo.url)
    assert.equal(home.status, 200)
    assert.match(home.headers.get('content-type') ?? '', /text\/html/)
    const links = [...home.body.matchAll(/href="(\/[^"]*)"/g)].map((m) => m[1])
    for (const path of ['/chat', '/sse', '/files/', '/api/users/42']) assert.ok(links.includes(path), path)
    for (const path of links) assert.equal((await fetchText(new URL(path, demo.url).href)).status, 200, path)
    assert.match(home.body, /compression \(br\/gzip\)/, 'the home page names both encodings the demo sends')
    assert.doesNotMatch(home.body, /gzip for text/)
    const listing = await fetchText(demo.url + 'files/')
    assert.match(listing.body, /lorem\.txt/)
    assert.match(listing.body, /notes/)
  } finally {
    assert.equal(await demo.stop('SIGINT'), 0)
  }
  assert.match(demo.output(), /GET \/files\//, 'the request logger prints each request')
})

test('demo serves the seed API: params, JSON body 201, typed id, 404, 405 with Allow, HEAD, OPTIONS, CORS, gzip', async () => {
  const demo = await startCli(['demo', '-p', '0', '--quiet'])
  const api = (path: string, init?: RequestInit) => fetchText(new URL(path, demo.url).href, init)
  try {
    assert.deepEqual(JSON.parse((await api('/api/users/7')).body), { user_id: '7' })
    const posted = await api('/api/data', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"hello":"world"}' })
    assert.equal(posted.status, 201)
    assert.deepEqual(JSON.parse(posted.body), { received: { hello: 'world' } })
    assert.equal((await api('/api/data', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{oops' })).status, 400)
    assert.equal(JSON.parse((await api('/api/items/2')).body).id, 2)
    assert.equal((await api('/api/items/9')).status, 404)
    assert.equal((await api('/api/items/two')).status, 404)
    const put = await api('/api/users/1', { method: 'PUT' })
    assert.equal(put.status, 405)
    assert.match(put.headers.get('allow') ?? '', /GET/)
    const head = await api('/api/items/1', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
    const options = await api('/api/items/1', { method: 'OPTIONS' })
    assert.equal(options.status, 204)
    assert.match(options.headers.get('allow') ?? '', /DELETE/)
    const cors = await api('/api/items', { headers: { Origin: 'https://example.com' } })
    assert.equal(cors.headers.get('access-control-allow-origin'), '*')
    const notApi = await api('/sse', { headers: { Origin: 'https://example.com' } })
    assert.equal(notApi.headers.get('access-control-allow-origin'), null, 'CORS is on /api only')
    const lorem = await api('/files/lorem.txt', { headers: { 'Accept-Encoding': 'gzip' } })
    assert.equal(lorem.headers.get('content-encoding'), 'gzip')
    assert.match(lorem.body, /^Portico serves files/)
  } finally {
    assert.equal(await demo.stop(), 0)
  }
})

test('demo streams the SSE clock and broadcasts, and runs the chat at /chat', async () => {
  const demo = await startCli(['demo', '-p', '0', '-q'])
  try {
    const events = await new Promise<string>((resolve, reject) => {
      const socket = connect(demo.port, '127.0.0.1', () => socket.write('GET /sse/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n'))
      let text = ''
      let said = false
      socket.setEncoding('utf8')
      socket.on('error', reject)
      socket.on('data', (chunk: string) => {
        text += chunk
        if (!said && text.includes('event: tick')) {
          said = true
          void fetch(new URL('/sse/say', demo.url), { method: 'POST', body: 'hello board' })
        }
        if (text.includes('data: hello board')) {
          socket.destroy()
          resolve(text)
        }
      })
    })
    assert.match(events, /text\/event-stream/)
    assert.match(events, /event: message\ndata: hello board/)
    const page = await fetchText(new URL('/chat', demo.url).href)
    assert.match(page.body, /"\/chat\/ws"/)
    const a = await ChatClient.open(`ws://127.0.0.1:${demo.port}/chat/ws`)
    const b = await ChatClient.open(`ws://127.0.0.1:${demo.port}/chat/ws`)
    a.send('demo chat')
    await b.receive('demo chat')
    a.close()
    b.close()
  } finally {
    assert.equal(await demo.stop('SIGINT'), 0)
  }
})

test('demo honours PORT and reports a busy port in one line', async () => {
  const port = await freePort()
  const demo = await startCli(['demo', '-q'], { PORT: String(port) })
  try {
    assert.equal(demo.port, port)
    const busy = await runCli(['demo', '-q'], { PORT: String(port) })
    assert.equal(busy.code, 1)
    assert.equal(busy.stderr.trim(), `portico demo: port ${port} on 127.0.0.1 is already in use`)
  } finally {
    assert.equal(await demo.stop(), 0)
  }
})
