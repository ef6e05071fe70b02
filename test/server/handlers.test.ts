import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { HttpError } from '../../src/errors.js'
import { createServer } from '../../src/server/index.js'

describe('handlers through inject()', () => {
  it('sends a returned string as text with Content-Length', async () => {
    const s = createServer()
    s.get('/', () => 'Hello, World!')
    const r = await s.inject({ url: '/' })
    assert.equal(r.statusCode, 200)
    assert.equal(r.text(), 'Hello, World!')
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(r.headers['content-length'], '13')
    assert.ok(r.headers['date'])
  })

  it('sends a returned object as JSON and types params from the pattern', async () => {
    const s = createServer()
    s.get('/users/{id:int}/posts/{slug}', (req) => {
      const id: number = req.params.id
      const slug: string = req.params.slug
      return { id, slug, raw: req.getPathParam('id') }
    })
    const r = await s.inject({ url: '/users/42/posts/hello%20world' })
    assert.equal(r.headers['content-type'], 'application/json')
    assert.deepEqual(r.json(), { id: 42, slug: 'hello world', raw: '42' })
  })

  it('follows the seed: registerRoute, setStatus then setJson, parseJsonBody', async () => {
    const s = createServer()
    s.registerRoute('POST', '/api/data', async (req, res) => {
      const data = await req.parseJsonBody()
      res.setStatus(201)
      res.setJson({ received: data })
    })
    const r = await s.inject({ method: 'POST', url: '/api/data', body: { a: 1 } })
    assert.equal(r.statusCode, 201)
    assert.deepEqual(r.json(), { received: { a: 1 } })
  })

  it('answers 400 when parseJsonBody meets malformed JSON', async () => {
    const s = createServer()
    s.post('/', async (req) => req.parseJsonBody())
    const r = await s.inject({ method: 'POST', url: '/', body: '{nope', headers: { 'content-type': 'application/json' } })
    assert.equal(r.statusCode, 400)
  })

  it('answers an HttpError with its status, message and headers', async () => {
    const s = createServer()
    s.get('/x', () => {
      throw new HttpError(401, 'Who are you?', { headers: { 'WWW-Authenticate': 'Basic' } })
    })
    const r = await s.inject({ url: '/x' })
    assert.equal(r.statusCode, 401)
    assert.equal(r.text(), 'Who are you?\n')
    assert.equal(r.headers['www-authenticate'], 'Basic')
  })

  it('answers 500 without leaking the error and reports it as serverError', async () => {
    const s = createServer()
    const seen: unknown[] = []
    s.on('serverError', (message: string, error: unknown) => seen.push(message, error))
    s.get('/boom', async () => {
      throw new Error('secret database password')
    })
    const r = await s.inject({ url: '/boom' })
    assert.equal(r.statusCode, 500)
    assert.doesNotMatch(r.text(), /secret/)
    assert.equal(seen.length, 2)
    assert.match(String(seen[0]), /GET \/boom/)
    assert.equal((seen[1] as Error).message, 'secret database password')
  })

  it('uses the error handler when one is set', async () => {
    const s = createServer()
    s.setErrorHandler((err, _req, res) => {
      res.setStatus(418)
      res.setJson({ error: (err as Error).message })
    })
    s.get('/', () => {
      throw new Error('teapot')
    })
    const r = await s.inject({ url: '/' })
    assert.equal(r.statusCode, 418)
    assert.deepEqual(r.json(), { error: 'teapot' })
  })

  it('gives HEAD the GET headers without a body', async () => {
    const s = createServer()
    s.get('/', () => 'Hello')
    const r = await s.inject({ method: 'HEAD', url: '/' })
    assert.equal(r.statusCode, 200)
    assert.equal(r.headers['content-length'], '5')
    assert.equal(r.body.length, 0)
  })

  it('answers 404 without a top handler, and the top handler when set', async () => {
    const s = createServer()
    assert.equal((await s.inject({ url: '/nope' })).statusCode, 404)
    s.setTopHandler((req) => 'fallback for ' + req.path)
    const r = await s.inject({ url: '/nope' })
    assert.equal(r.statusCode, 200)
    assert.equal(r.text(), 'fallback for /nope')
  })

  it('answers 405 with Allow, and OPTIONS automatically', async () => {
    const s = createServer()
    s.get('/r', () => 'x')
    s.post('/r', () => 'y')
    const r = await s.inject({ method: 'DELETE', url: '/r' })
    assert.equal(r.statusCode, 405)
    assert.match(r.headers['allow'], /GET/)
    assert.match(r.headers['allow'], /POST/)
    const o = await s.inject({ method: 'OPTIONS', url: '/r' })
    assert.equal(o.statusCode, 204)
    assert.match(o.headers['allow'], /OPTIONS/)
  })

  it('routes the QUERY method and sends 304 without Content-Length', async () => {
    const s = createServer()
    s.query('/search', async (req) => ({ q: await req.text() }))
    s.get('/cached', (_req, res) => {
      res.setStatus(304)
    })
    const r = await s.inject({ method: 'QUERY', url: '/search', body: 'x=1' })
    assert.deepEqual(r.json(), { q: 'x=1' })
    const c = await s.inject({ url: '/cached' })
    assert.equal(c.statusCode, 304)
    assert.equal(c.headers['content-length'], undefined)
  })

  it('unregisters and clears routes', async () => {
    const s = createServer()
    s.get('/a', () => 'a')
    s.get('/b', () => 'b')
    assert.equal(s.unregisterRoute('GET', '/a'), true)
    assert.equal((await s.inject({ url: '/a' })).statusCode, 404)
    s.clearRoutes()
    assert.equal((await s.inject({ url: '/b' })).statusCode, 404)
  })

  it('reads query parameters, headers, the decoded path and the raw headers', async () => {
    const s = createServer()
    s.get('/{*rest}', (req) => ({
      q: req.getQueryParam('q'),
      all: req.query,
      ua: req.getHeader('X-Thing'),
      lower: req.headers['x-thing'],
      raw: req.rawHeaders.find(([n]) => n === 'X-Thing'),
      path: req.path,
      url: req.url,
      version: req.httpVersion,
      remote: req.remoteAddress,
    }))
    const r = await s.inject({ url: '/a%20b/c?q=1&z=two&q=3', headers: { 'X-Thing': 'yes' } })
    assert.deepEqual(r.json(), {
      q: '1',
      all: { q: '1', z: 'two' },
      ua: 'yes',
      lower: 'yes',
      raw: ['X-Thing', 'yes'],
      path: '/a b/c',
      url: '/a%20b/c?q=1&z=two&q=3',
      version: '1.1',
      remote: '127.0.0.1',
    })
  })

  it('reads the body as text, bytes and a stream', async () => {
    const s = createServer()
    s.post('/text', async (req) => (await req.text()).toUpperCase())
    s.post('/bytes', async (req) => ({ n: (await req.bytes()).length }))
    s.post('/stream', async (req) => {
      let n = 0
      for await (const c of req.body) n += c.length
      return { n }
    })
    assert.equal((await s.inject({ method: 'POST', url: '/text', body: 'abc' })).text(), 'ABC')
    assert.deepEqual((await s.inject({ method: 'POST', url: '/bytes', body: Buffer.alloc(5000) })).json(), { n: 5000 })
    assert.deepEqual((await s.inject({ method: 'POST', url: '/stream', body: Buffer.alloc(70000) })).json(), { n: 70000 })
  })

  it('sends bytes, streams (chunked) and ends an untouched response', async () => {
    const s = createServer()
    s.get('/bytes', (_req, res) => res.send(Buffer.from([1, 2, 3])))
    s.get('/stream', (_req, res) => res.send(Readable.from(['a', 'bb', 'ccc'])))
    s.get('/gen', async function* () {
      yield 'x'
      yield 'y'
    } as never)
    s.get('/empty', (_req, res) => {
      res.setStatus(204)
    })
    const b = await s.inject({ url: '/bytes' })
    assert.deepEqual([...b.body], [1, 2, 3])
    assert.equal(b.headers['content-type'], 'application/octet-stream')
    const st = await s.inject({ url: '/stream' })
    assert.equal(st.text(), 'abbccc')
    assert.equal(st.headers['transfer-encoding'], 'chunked')
    assert.equal((await s.inject({ url: '/gen' })).text(), 'xy')
    const e = await s.inject({ url: '/empty' })
    assert.equal(e.statusCode, 204)
    assert.equal(e.headers['content-length'], undefined)
  })

  it('sets, adds and removes response headers, and refuses CRLF in values', async () => {
    const s = createServer()
    s.get('/', (_req, res) => {
      res.setHeader('X-A', '1').addHeader('Set-Cookie', 'a=1').addHeader('Set-Cookie', 'b=2')
      res.setHeader('X-Gone', 'x').removeHeader('x-gone')
      assert.equal(res.getHeader('x-a'), '1')
      assert.equal(res.hasHeader('X-GONE'), false)
      assert.throws(() => res.setHeader('X-Bad', 'a\r\nInjected: 1'), { code: 'PORTICO_ERR_INVALID_HEADER_INPUT' })
      res.send('ok')
    })
    const r = await s.inject({ url: '/' })
    assert.equal(r.headers['x-a'], '1')
    assert.equal(r.headers['set-cookie'], 'a=1, b=2')
    assert.equal(r.headers['x-gone'], undefined)
    assert.equal(r.headers['injected'], undefined)
  })

  it('writes a stream opened with openStream in chunks, and in raw mode with Connection: close', async () => {
    const s = createServer()
    s.get('/chunked', (_req, res) => {
      const out = res.openStream()
      out.write('one ')
      out.write(Buffer.from('two'))
      out.end()
    })
    s.get('/raw', (_req, res) => {
      res.setHeader('Content-Type', 'text/event-stream')
      const out = res.openStream({ raw: true })
      out.write('data: hi\n\n')
      out.end()
    })
    const c = await s.inject({ url: '/chunked' })
    assert.equal(c.text(), 'one two')
    assert.equal(c.headers['transfer-encoding'], 'chunked')
    const r = await s.inject({ url: '/raw' })
    assert.equal(r.text(), 'data: hi\n\n')
    assert.equal(r.headers['connection'], 'close')
    assert.equal(r.headers['transfer-encoding'], undefined)
  })

  it('runs middlewares by stage around the handler, route middlewares innermost', async () => {
    const s = createServer()
    const order: string[] = []
    s.use(async (_req, _res, next) => {
      order.push('stage2')
      await next()
    }, { stage: 2 })
    s.use(async (_req, res, next) => {
      order.push('encoding')
      res.setHeader('X-Outer', '1')
      await next()
    }, { stage: 'encoding' })
    s.get('/', () => {
      order.push('handler')
      return 'ok'
    }, { middlewares: [async (_req, _res, next) => { order.push('route'); await next() }] })
    const r = await s.inject({ url: '/' })
    assert.equal(r.text(), 'ok')
    assert.equal(r.headers['x-outer'], '1')
    assert.deepEqual(order, ['encoding', 'stage2', 'route', 'handler'])
  })

  it('clamps setMaxRequestSize to the seed bounds', () => {
    const s = createServer()
    s.setMaxRequestSize(10)
    assert.equal(s.getMaxRequestSize(), 1024)
    s.setMaxRequestSize(1e9)
    assert.equal(s.getMaxRequestSize(), 1024 * 1024)
  })

  it('has a default HTTPServer instance', async () => {
    const { HTTPServer, Server } = await import('../../src/server/index.js')
    assert.ok(HTTPServer instanceof Server)
    assert.equal(HTTPServer.isListening(), false)
  })

  it('res.stream(source) sends a Readable with backpressure; res.stream() returns the body stream (DESIGN: Response stream)', async () => {
    const s = createServer()
    s.get('/source', async (_req, res) => {
      await res.stream(Readable.from(['a', 'b', 'c']))
    })
    s.get('/open', (_req, res) => {
      const out = res.setHeader('Content-Type', 'text/plain').stream()
      out.write('x')
      out.write('y')
      out.end()
    })
    const a = await s.inject({ url: '/source' })
    assert.equal(a.statusCode, 200)
    assert.equal(a.body.toString(), 'abc')
    const b = await s.inject({ url: '/open' })
    assert.equal(b.body.toString(), 'xy')
    assert.equal(b.headers['transfer-encoding'], 'chunked')
  })
})
