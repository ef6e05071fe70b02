import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { HttpError } from '../../src/errors.js'
import type { Server } from '../../src/server/index.js'
import { cors } from '../../src/middleware/cors.js'
import { rawExchange, request, started } from './helpers.js'

const O = 'https://app.example'
const servers: Server[] = []
after(async () => {
  for (const s of servers) await s.stop({ graceful: false })
})

async function seedServer(): Promise<number> {
  const s = await started((server) => {
    server.get('/api/items', () => ({ items: [] }))
    server.post('/api/items', () => ({ ok: true }))
    server.delete('/api/items/{id}', () => undefined)
    server.get('/api/boom', () => {
      throw new Error('secret detail')
    })
    server.get('/api/teapot', () => {
      throw new HttpError(418, 'short and stout')
    })
    server.setCorsEnabled(true)
  })
  servers.push(s)
  return s.getPort()
}

test('setCorsEnabled adds Access-Control-Allow-Origin: * to responses', async () => {
  const port = await seedServer()
  const r = await request(port, '/api/items', { headers: { Origin: O } })
  assert.equal(r.status, 200)
  assert.equal(r.headers['access-control-allow-origin'], '*')
  assert.equal(r.headers.vary, undefined)
})

test('answers a preflight with 204 and the methods of the route table', async () => {
  const port = await seedServer()
  const r = await request(port, '/api/items', {
    method: 'OPTIONS',
    headers: { Origin: O, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
  })
  assert.equal(r.status, 204)
  assert.equal(r.headers['access-control-allow-origin'], '*')
  assert.equal(r.headers['access-control-allow-methods'], 'GET, HEAD, OPTIONS, POST')
  assert.equal(r.headers['access-control-allow-headers'], 'content-type')
  assert.equal(r.body.length, 0)
})

test('answers a preflight for a parameterised route', async () => {
  const port = await seedServer()
  const r = await request(port, '/api/items/7', { method: 'OPTIONS', headers: { Origin: O, 'Access-Control-Request-Method': 'DELETE' } })
  assert.equal(r.status, 204)
  assert.equal(r.headers['access-control-allow-methods'], 'DELETE, OPTIONS')
})

test('keeps CORS headers on 404, 405, 418 and 500 answers', async () => {
  const port = await seedServer()
  const h = { Origin: O }
  const notFound = await request(port, '/nowhere', { headers: h })
  assert.equal(notFound.status, 404)
  assert.equal(notFound.headers['access-control-allow-origin'], '*')
  const notAllowed = await request(port, '/api/items', { method: 'PUT', headers: h })
  assert.equal(notAllowed.status, 405)
  assert.equal(notAllowed.headers.allow, 'GET, HEAD, OPTIONS, POST')
  assert.equal(notAllowed.headers['access-control-allow-origin'], '*')
  const teapot = await request(port, '/api/teapot', { headers: h })
  assert.equal(teapot.status, 418)
  assert.equal(teapot.headers['access-control-allow-origin'], '*')
  const boom = await request(port, '/api/boom', { headers: h })
  assert.equal(boom.status, 500)
  assert.equal(boom.headers['access-control-allow-origin'], '*')
  assert.ok(!boom.text.includes('secret detail'))
})

test('answers a plain OPTIONS with Allow as before', async () => {
  const port = await seedServer()
  const r = await request(port, '/api/items', { method: 'OPTIONS' })
  assert.equal(r.status, 204)
  assert.equal(r.headers.allow, 'GET, HEAD, OPTIONS, POST')
})

test('setCorsOrigin sends that origin; setCorsEnabled(false) stops the headers', async () => {
  const s = await started((server) => {
    server.get('/x', () => 'x')
    server.setCorsEnabled(true)
    server.setCorsOrigin('https://only.example')
  })
  servers.push(s)
  assert.equal(s.getCorsOrigin(), 'https://only.example')
  assert.equal(s.isCorsEnabled(), true)
  const r = await request(s.getPort(), '/x', { headers: { Origin: O } })
  assert.equal(r.headers['access-control-allow-origin'], 'https://only.example')
  s.setCorsEnabled(false)
  const off = await request(s.getPort(), '/x', { headers: { Origin: O } })
  assert.equal(off.headers['access-control-allow-origin'], undefined)
})

test('server.cors with a list reflects listed origins with Vary and credentials, refuses others', async () => {
  const s = await started((server) => {
    server.get('/x', (_req, res) => {
      res.setHeader('X-Total', '3')
      return 'x'
    })
    server.cors({ origin: [O], credentials: true, exposedHeaders: ['X-Total'], maxAge: 600 })
  })
  servers.push(s)
  const port = s.getPort()
  const ok = await request(port, '/x', { headers: { Origin: O } })
  assert.equal(ok.headers['access-control-allow-origin'], O)
  assert.equal(ok.headers['access-control-allow-credentials'], 'true')
  assert.equal(ok.headers['access-control-expose-headers'], 'X-Total')
  assert.equal(ok.headers.vary, 'Origin')
  const no = await request(port, '/x', { headers: { Origin: 'https://evil.example' } })
  assert.equal(no.headers['access-control-allow-origin'], undefined)
  assert.equal(no.headers.vary, 'Origin')
  const pre = await request(port, '/x', { method: 'OPTIONS', headers: { Origin: O, 'Access-Control-Request-Method': 'GET' } })
  assert.equal(pre.headers['access-control-max-age'], '600')
})

test('the cors() middleware works as a route middleware', async () => {
  const s = await started((server) => {
    server.get('/only-here', () => 'x', { middlewares: [cors({ origin: (o) => o.endsWith('.example') })] })
    server.get('/elsewhere', () => 'y')
  })
  servers.push(s)
  const a = await request(s.getPort(), '/only-here', { headers: { Origin: O } })
  assert.equal(a.headers['access-control-allow-origin'], O)
  const b = await request(s.getPort(), '/elsewhere', { headers: { Origin: O } })
  assert.equal(b.headers['access-control-allow-origin'], undefined)
})

test('answers OPTIONS * with every method of the table when CORS is on', async () => {
  const port = await seedServer()
  const r = await rawOptionsStar(port)
  assert.match(r, /^HTTP\/1\.1 204/)
  assert.match(r, /\r\nAllow: DELETE, GET, HEAD, OPTIONS, POST\r\n/)
})

test('engine answers carry the CORS headers: 413 from Content-Length and a chunked body, 400, 404, 405', async () => {
  const s = await started((server) => {
    server.setMaxRequestSize(1024)
    server.post('/json', async (req) => await req.parseJsonBody())
    server.setCorsEnabled(true)
    server.setCorsOrigin(O)
  })
  servers.push(s)
  const chunk = 'x'.repeat(800)
  const answers = [
    await rawExchange(s.getPort(), `POST /json HTTP/1.1\r\nHost: x\r\nOrigin: ${O}\r\nContent-Length: 5000\r\n\r\n`),
    await rawExchange(s.getPort(), `POST /json HTTP/1.1\r\nHost: x\r\nOrigin: ${O}\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n${chunk}\r\n320\r\n${chunk}\r\n0\r\n\r\n`),
    await rawExchange(s.getPort(), `POST /json HTTP/1.1\r\nHost: x\r\nOrigin: ${O}\r\nConnection: close\r\nContent-Length: 3\r\n\r\n{x}`),
    await rawExchange(s.getPort(), `GET /nowhere HTTP/1.1\r\nHost: x\r\nOrigin: ${O}\r\nConnection: close\r\n\r\n`),
    await rawExchange(s.getPort(), `GET /json HTTP/1.1\r\nHost: x\r\nOrigin: ${O}\r\nConnection: close\r\n\r\n`),
  ]
  assert.deepEqual(answers.map((a) => a.slice(9, 12)), ['413', '413', '400', '404', '405'])
  for (const a of answers) assert.match(a, new RegExp(`\r\nAccess-Control-Allow-Origin: ${O}\r\n`, 'i'), a)
})

test('a 503 from a full queue carries the CORS headers', async () => {
  let release: () => void = () => {}
  const { createServer } = await import('../../src/server/index.js')
  const s = createServer({ maxConcurrentRequests: 1, maxQueuedRequests: 0 })
  s.get('/slow', () => new Promise<string>((resolve) => (release = () => resolve('done'))))
  s.setCorsEnabled(true)
  await s.listen(0, '127.0.0.1')
  servers.push(s)
  const first = net.connect(s.getPort(), '127.0.0.1', () => first.write('GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
  first.on('error', () => {})
  await new Promise((resolve) => setTimeout(resolve, 50))
  const full = await rawExchange(s.getPort(), `GET /slow HTTP/1.1\r\nHost: x\r\nOrigin: ${O}\r\nConnection: close\r\n\r\n`)
  assert.match(full, /^HTTP\/1\.1 503/)
  assert.match(full, /\r\nAccess-Control-Allow-Origin: \*\r\n/)
  release()
  first.destroy()
})

test('the cors() middleware keeps its headers on a handler error answer', async () => {
  const s = await started((server) => {
    server.use(cors({ origin: async (o) => o === O }))
    server.get('/boom', () => {
      throw new Error('hidden')
    })
  })
  servers.push(s)
  const r = await request(s.getPort(), '/boom', { headers: { Origin: O } })
  assert.equal(r.status, 500)
  assert.equal(r.headers['access-control-allow-origin'], O)
  assert.ok(!r.text.includes('hidden'))
})

function rawOptionsStar(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => (data += d))
    socket.on('error', reject)
    socket.on('close', () => resolve(data))
  })
}
