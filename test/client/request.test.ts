import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { Readable } from 'node:stream'
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { Agent, request } from '../../src/client/index.js'
import { isPorticoError } from '../../src/errors.js'
import { closedPort, httpServer, rawServer, scriptedServer, type Running } from './helpers.js'

describe('request()', () => {
  let server: Running<Server>
  let agent: Agent
  const sockets = new Set<Socket>()
  before(async () => {
    server = await httpServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString()
        const url = new URL(req.url ?? '/', 'http://x')
        switch (url.pathname) {
          case '/gzip': res.setHeader('Content-Encoding', 'gzip'); res.end(gzipSync('zipped')); return
          case '/deflate': res.setHeader('Content-Encoding', 'deflate'); res.end(deflateSync('deflated')); return
          case '/deflate-raw': res.setHeader('Content-Encoding', 'deflate'); res.end(deflateRawSync('raw deflated')); return
          case '/br': res.setHeader('Content-Encoding', 'br'); res.end(brotliCompressSync('brotli')); return
          case '/gzip-empty': res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': '0' }); res.end(); return
          case '/bad-gzip': res.setHeader('Content-Encoding', 'gzip'); res.end('not gzip at all'); return
          case '/redirect': res.statusCode = 302; res.setHeader('Location', '/echo?from=redirect'); res.end(); return
          case '/see-other': res.statusCode = 303; res.setHeader('Location', '/echo'); res.end(); return
          case '/loop': res.statusCode = 307; res.setHeader('Location', '/loop'); res.end(); return
          case '/big': res.end(Buffer.alloc(300_000, 'x')); return
          case '/stall': res.writeHead(200, { 'Content-Length': '10' }); res.write('12345'); return
          case '/silent': return
          default:
            res.setHeader('Content-Type', 'application/json')
            res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers, port: req.socket.remotePort }))
        }
      })
    })
    server.server.on('connection', (s: Socket) => sockets.add(s))
    agent = new Agent()
  })
  after(async () => {
    agent.destroy()
    await server.close()
  })

  it('resolves with status and headers, and reads the body as JSON, text or bytes', async () => {
    const res = await request(`${server.url}/echo`, { agent })
    assert.equal(res.status, 200)
    assert.equal(res.ok, true)
    assert.equal(res.headers['content-type'], 'application/json')
    assert.equal((await res.json<{ method: string }>()).method, 'GET')
    assert.equal(await (await request(`${server.url}/gzip`, { agent, decompress: false })).bytes().then((b) => b.length > 0), true)
    assert.match(await (await request(`${server.url}/echo`, { agent })).text(), /"url":"\/echo"/)
  })

  it('reads a body piece by piece with for await', async () => {
    const res = await request(`${server.url}/big`, { agent })
    let total = 0
    for await (const chunk of res) total += chunk.length
    assert.equal(total, 300_000)
  })

  it('refuses to read a body twice', async () => {
    const res = await request(`${server.url}/echo`, { agent })
    await res.text()
    await assert.rejects(res.text(), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_BODY_CONSUMED'))
  })

  it('sends json, query, headers and a POST by default when there is a body', async () => {
    const res = await request(`${server.url}/echo?a=1`, {
      agent, json: { hello: 'world' }, query: { b: 2, c: null }, headers: { 'X-Id': '7', 'X-Many': ['a', 'b'] },
    })
    const got = await res.json<{ method: string; url: string; body: string; headers: Record<string, string> }>()
    assert.equal(got.method, 'POST')
    assert.equal(got.url, '/echo?a=1&b=2&c')
    assert.deepEqual(JSON.parse(got.body), { hello: 'world' })
    assert.equal(got.headers['content-type'], 'application/json')
    assert.equal(got.headers['x-id'], '7')
    assert.equal(got.headers['x-many'], 'a, b')
  })

  it('streams a request body with chunked coding', async () => {
    async function* parts(): AsyncGenerator<string> {
      yield 'one,'
      await new Promise((r) => setTimeout(r, 5))
      yield 'two,'
      yield 'three'
    }
    const got = await (await request(`${server.url}/echo`, { agent, method: 'PUT', body: parts() })).json<{ body: string; headers: Record<string, string> }>()
    assert.equal(got.body, 'one,two,three')
    assert.equal(got.headers['transfer-encoding'], 'chunked')
    const fromReadable = await (await request(`${server.url}/echo`, { agent, body: Readable.from([Buffer.from('r1'), Buffer.from('r2')]) })).json<{ body: string }>()
    assert.equal(fromReadable.body, 'r1r2')
  })

  it('decodes gzip, deflate (zlib and raw) and br', async () => {
    for (const [path, text] of [['/gzip', 'zipped'], ['/deflate', 'deflated'], ['/deflate-raw', 'raw deflated'], ['/br', 'brotli']]) {
      const res = await request(server.url + path, { agent })
      assert.equal(await res.text(), text, path)
    }
    const echoed = await (await request(`${server.url}/echo`, { agent })).json<{ headers: Record<string, string> }>()
    assert.equal(echoed.headers['accept-encoding'], 'gzip, deflate, br')
  })

  it('gives an empty body for an empty gzip-labelled response', async () => {
    assert.equal(await (await request(`${server.url}/gzip-empty`, { agent })).text(), '')
  })

  it('fails the body with PORTICO_ERR_DECOMPRESS when the encoding is broken', async () => {
    const res = await request(`${server.url}/bad-gzip`, { agent })
    await assert.rejects(res.text(), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_DECOMPRESS'))
  })

  it('returns redirects as they are by default and follows them when asked', async () => {
    const plain = await request(`${server.url}/redirect`, { agent })
    assert.equal(plain.status, 302)
    assert.equal(plain.headers.location, '/echo?from=redirect')
    await plain.body.dump()
    const followed = await request(`${server.url}/redirect`, { agent, maxRedirects: 3 })
    assert.equal(followed.status, 200)
    assert.equal(followed.redirected, true)
    assert.equal((await followed.json<{ url: string }>()).url, '/echo?from=redirect')
    const seeOther = await request(`${server.url}/see-other`, { agent, maxRedirects: 1, method: 'POST', body: 'x' })
    const got = await seeOther.json<{ method: string; body: string }>()
    assert.deepEqual([got.method, got.body], ['GET', ''])
    await assert.rejects(request(`${server.url}/loop`, { agent, maxRedirects: 2 }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_TOO_MANY_REDIRECTS'))
  })

  it('times out waiting for the head, and when the body stalls', async () => {
    await assert.rejects(request(`${server.url}/silent`, { agent, timeout: { headers: 100 } }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_HEADERS_TIMEOUT'))
    const res = await request(`${server.url}/stall`, { agent, timeout: { body: 100 } })
    await assert.rejects(res.text(), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_BODY_TIMEOUT'))
  })

  it('aborts with its signal', async () => {
    const controller = new AbortController()
    const pending = request(`${server.url}/silent`, { agent, signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    await assert.rejects(pending, (e: unknown) => isPorticoError(e, 'PORTICO_ERR_REQUEST_ABORTED'))
    await assert.rejects(request(`${server.url}/echo`, { agent, signal: AbortSignal.abort() }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_REQUEST_ABORTED'))
  })

  it('reuses one keep-alive connection for sequential requests', async () => {
    const own = new Agent()
    const ports = new Set<number>()
    for (let i = 0; i < 5; i++) ports.add((await (await request(`${server.url}/echo`, { agent: own })).json<{ port: number }>()).port)
    assert.equal(ports.size, 1)
    assert.equal(own.connections, 1)
    assert.equal(own.idleConnections, 1)
    await own.close()
    assert.equal(own.connections, 0)
  })

  it('opens at most maxSocketsPerOrigin connections and queues the rest', async () => {
    const own = new Agent({ maxSocketsPerOrigin: 2 })
    const results = await Promise.all(Array.from({ length: 8 }, () => request(`${server.url}/echo`, { agent: own }).then((r) => r.json<{ port: number }>())))
    assert.ok(new Set(results.map((r) => r.port)).size <= 2)
    assert.ok(own.connections <= 2)
    await own.close()
  })

  it('keeps to the global cap across origins by closing idle connections', async () => {
    const second = await httpServer((_req, res) => res.end('second'))
    const own = new Agent({ maxSockets: 1 })
    assert.equal(await (await request(`${server.url}/echo`, { agent: own })).json().then(() => own.connections), 1)
    assert.equal(await (await request(second.url, { agent: own })).text(), 'second')
    assert.equal(own.connections, 1)
    await own.close()
    await second.close()
  })

  it('closes idle connections after idleTimeout', async () => {
    const own = new Agent({ idleTimeout: 50 })
    await (await request(`${server.url}/echo`, { agent: own })).text()
    assert.equal(own.connections, 1)
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(own.connections, 0)
    await own.close()
  })

  it('retries an idempotent request once when the keep-alive socket turns out stale', async () => {
    const raw = await scriptedServer((_head, index, socket) => {
      if (index === 1) socket.destroy()
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    })
    const own = new Agent()
    assert.equal(await (await request(raw.url, { agent: own })).text(), 'ok')
    assert.equal(await (await request(raw.url, { agent: own })).text(), 'ok')
    assert.equal(raw.heads.length, 3)
    await own.close()
    await raw.close()
  })

  it('does not retry a POST on a stale socket', async () => {
    const raw = await scriptedServer((_head, index, socket) => {
      if (index === 1) socket.destroy()
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    })
    const own = new Agent()
    await (await request(raw.url, { agent: own })).text()
    await assert.rejects(request(raw.url, { agent: own, method: 'POST', body: 'x' }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_CONNECTION_CLOSED'))
    await own.close()
    await raw.close()
  })

  it('rejects with PORTICO_ERR_CANT_CONNECT, PORTICO_ERR_CANT_RESOLVE and PORTICO_ERR_INVALID_REQUEST_URL', async () => {
    await assert.rejects(request(`http://127.0.0.1:${await closedPort()}/`, { agent }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_CANT_CONNECT'))
    const failing = new Agent({ lookup: (_h, cb) => cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), '') })
    await assert.rejects(request('http://nowhere.invalid/', { agent: failing }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_CANT_RESOLVE'))
    await failing.close()
    await assert.rejects(request('ftp://127.0.0.1/', { agent }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_INVALID_REQUEST_URL'))
    await assert.rejects(request('not a url', { agent }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_INVALID_REQUEST_URL'))
  })

  it('rejects with PORTICO_ERR_CONNECT_TIMEOUT when connecting takes too long', async () => {
    const slow = new Agent({ lookup: (_h, cb) => setTimeout(() => cb(null, '127.0.0.1'), 300) })
    await assert.rejects(request(`http://slow.test:${server.port}/`, { agent: slow, timeout: { connect: 50 } }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_CONNECT_TIMEOUT'))
    await slow.close()
  })

  it('skips 1xx interim responses and reads the final one', async () => {
    const raw = await rawServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndone'))
    })
    const res = await request(raw.url, { agent })
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'done')
    await raw.close()
  })

  it('sends a streamed body as is when a Content-Length is given', async () => {
    const got = await (await request(`${server.url}/echo`, {
      agent, method: 'POST', headers: { 'content-length': '6' }, body: Readable.from(['abc', 'def']),
    })).json<{ body: string; headers: Record<string, string> }>()
    assert.equal(got.body, 'abcdef')
    assert.equal(got.headers['transfer-encoding'], undefined)
  })

  it('aborts a request still waiting for a connection', async () => {
    const own = new Agent({ maxSocketsPerOrigin: 1 })
    const first = request(`${server.url}/silent`, { agent: own, timeout: { headers: 300 } })
    const controller = new AbortController()
    const queued = request(`${server.url}/echo`, { agent: own, signal: controller.signal })
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(own.pending, 1)
    controller.abort()
    await assert.rejects(queued, (e: unknown) => isPorticoError(e, 'PORTICO_ERR_REQUEST_ABORTED'))
    assert.equal(own.pending, 0)
    await assert.rejects(first, (e: unknown) => isPorticoError(e, 'PORTICO_ERR_HEADERS_TIMEOUT'))
    own.destroy()
  })

  it('drops a connection that received an unsolicited response and uses a new one', async () => {
    const raw = await scriptedServer((_head, _index, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n')
    })
    const own = new Agent()
    assert.equal(await (await request(raw.url, { agent: own })).text(), 'ok')
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(own.connections, 0)
    assert.equal(await (await request(raw.url, { agent: own })).text(), 'ok')
    own.destroy()
    await raw.close()
  })

  it('rejects with PORTICO_ERR_AGENT_CLOSED after close()', async () => {
    const own = new Agent()
    await own.close()
    await assert.rejects(request(`${server.url}/echo`, { agent: own }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_AGENT_CLOSED'))
  })
})
