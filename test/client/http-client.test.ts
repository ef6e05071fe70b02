import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { HTTPClient, Method, Status, TLSOptions } from '../../src/client/index.js'
import { isPorticoError } from '../../src/errors.js'
import { makeCerts } from '../fixtures/tls.js'
import { closedPort, httpServer, httpsServer, rawServer, scriptedServer, type Running } from './helpers.js'
import type { Server } from 'node:http'

const IN_FLIGHT = new Set([Status.RESOLVING, Status.CONNECTING, Status.REQUESTING])

async function settle(client: HTTPClient): Promise<Status> {
  let status = client.poll()
  while (IN_FLIGHT.has(status)) status = await client.pollAsync()
  return status
}

async function readBody(client: HTTPClient): Promise<Buffer> {
  const parts: Buffer[] = []
  while (client.getStatus() === Status.BODY) {
    parts.push(client.readResponseBodyChunk())
    await client.pollAsync()
  }
  return Buffer.concat(parts)
}

function record(client: HTTPClient): Status[] {
  const seen: Status[] = []
  client.on('status', (s: Status) => seen.push(s))
  return seen
}

describe('HTTPClient', () => {
  let server: Running<Server>
  const connections = new Set<Socket>()
  before(async () => {
    server = await httpServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        if (req.url === '/chunked') {
          res.write('a'.repeat(1000))
          res.end('b'.repeat(1000))
          return
        }
        if (req.url === '/dup') {
          res.setHeader('X-Dup', ['one', 'two'])
          res.end('dup')
          return
        }
        if (req.url === '/close') {
          res.setHeader('Connection', 'close')
          res.end('bye')
          return
        }
        res.setHeader('Content-Type', 'application/json')
        res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }))
      })
    })
    server.server.on('connection', (s: Socket) => connections.add(s))
  })
  after(() => server.close())

  it('goes CONNECTING → CONNECTED for an IP address, then REQUESTING → BODY → CONNECTED', async () => {
    const client = new HTTPClient()
    const seen = record(client)
    client.connectToHost('127.0.0.1', server.port)
    assert.equal(client.getStatus(), Status.CONNECTING)
    assert.equal(await settle(client), Status.CONNECTED)
    client.request(Method.GET, '/hello?x=1', ['X-Test: yes'])
    assert.equal(client.getStatus(), Status.REQUESTING)
    assert.equal(await settle(client), Status.BODY)
    assert.equal(client.hasResponse(), true)
    assert.equal(client.getResponseCode(), 200)
    const body = JSON.parse((await readBody(client)).toString())
    assert.equal(body.url, '/hello?x=1')
    assert.equal(body.headers['x-test'], 'yes')
    assert.equal(body.headers.host, `127.0.0.1:${server.port}`)
    assert.equal(client.getStatus(), Status.CONNECTED)
    assert.deepEqual(seen, [Status.CONNECTING, Status.CONNECTED, Status.REQUESTING, Status.BODY, Status.CONNECTED])
    client.close()
    assert.equal(client.getStatus(), Status.DISCONNECTED)
  })

  it('goes RESOLVING → CONNECTING → CONNECTED for a host name', async () => {
    const client = new HTTPClient({ lookup: (_h, cb) => cb(null, '127.0.0.1') })
    const seen = record(client)
    client.connectToHost('portico.test', server.port)
    assert.equal(client.getStatus(), Status.RESOLVING)
    assert.equal(await settle(client), Status.CONNECTED)
    assert.deepEqual(seen, [Status.RESOLVING, Status.CONNECTING, Status.CONNECTED])
    client.close()
  })

  it('reports CANT_RESOLVE when the name does not resolve', async () => {
    const client = new HTTPClient({
      lookup: (_h, cb) => cb(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), ''),
    })
    client.connectToHost('no-such-host.invalid', 80)
    assert.equal(await settle(client), Status.CANT_RESOLVE)
    assert.ok(isPorticoError(client.lastError, 'PORTICO_ERR_CANT_RESOLVE'))
  })

  it('reports CANT_CONNECT when the port refuses', async () => {
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', await closedPort())
    assert.equal(await settle(client), Status.CANT_CONNECT)
    assert.ok(isPorticoError(client.lastError, 'PORTICO_ERR_CANT_CONNECT'))
  })

  it('reports CONNECTION_ERROR when the server closes mid-body', async () => {
    const raw = await rawServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'))
    })
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', raw.port)
    await settle(client)
    client.request(Method.GET, '/', [])
    let status = await settle(client)
    while (status === Status.BODY) {
      client.readResponseBodyChunk()
      status = await client.pollAsync()
    }
    assert.equal(status, Status.CONNECTION_ERROR)
    client.close()
    await raw.close()
  })

  it('reports CONNECTION_ERROR on a malformed status line', async () => {
    const raw = await rawServer((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 2x0 OK\r\n\r\n'))
    })
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', raw.port)
    await settle(client)
    client.request(Method.GET, '/', [])
    assert.equal(await settle(client), Status.CONNECTION_ERROR)
    client.close()
    await raw.close()
  })

  it('reads a chunked body in pieces of at most readChunkSize and reports length -1', async () => {
    const client = new HTTPClient()
    client.setReadChunkSize(256)
    assert.equal(client.getReadChunkSize(), 256)
    client.connectToHost('127.0.0.1', server.port)
    await settle(client)
    client.request(Method.GET, '/chunked', [])
    await settle(client)
    assert.equal(client.isResponseChunked(), true)
    assert.equal(client.getResponseBodyLength(), -1)
    const parts: Buffer[] = []
    while (client.getStatus() === Status.BODY) {
      const chunk = client.readResponseBodyChunk()
      assert.ok(chunk.length <= 256)
      parts.push(chunk)
      await client.pollAsync()
    }
    assert.equal(Buffer.concat(parts).toString(), 'a'.repeat(1000) + 'b'.repeat(1000))
    client.close()
  })

  it('delivers a large body intact to a slow reader (the socket pauses meanwhile)', async () => {
    const big = Buffer.alloc(1_000_000)
    for (let i = 0; i < big.length; i++) big[i] = i % 251
    const source = await httpServer((_req, res) => res.end(big))
    const client = new HTTPClient()
    client.setReadChunkSize(4096)
    client.connectToHost('127.0.0.1', source.port)
    await settle(client)
    client.request(Method.GET, '/', [])
    await settle(client)
    assert.equal(client.getResponseBodyLength(), big.length)
    const parts: Buffer[] = []
    while (client.getStatus() === Status.BODY) {
      await new Promise((r) => setImmediate(r))
      const piece = client.readResponseBodyChunk()
      assert.ok(piece.length <= 4096)
      parts.push(piece)
      await client.pollAsync()
    }
    assert.ok(Buffer.concat(parts).equals(big))
    client.close()
    await source.close()
  })

  it('gives the body length, headers as lines and as a dictionary joined with "; "', async () => {
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', server.port)
    await settle(client)
    client.request(Method.GET, '/dup', [])
    await settle(client)
    assert.equal(client.getResponseBodyLength(), 3)
    assert.equal(client.isResponseChunked(), false)
    assert.ok(client.getResponseHeaders().includes('X-Dup: one'))
    assert.ok(client.getResponseHeaders().includes('X-Dup: two'))
    assert.equal(client.getResponseHeadersAsDictionary()['X-Dup'], 'one; two')
    assert.equal(client.getResponseHeadersAsDictionary()['Content-Length'], '3')
    assert.equal((await readBody(client)).toString(), 'dup')
    client.close()
  })

  it('in blocking mode reports the body once complete and returns it in one read', async () => {
    const client = new HTTPClient()
    client.blockingMode = true
    assert.equal(client.isBlockingModeEnabled(), true)
    client.setReadChunkSize(256)
    client.connectToHost('127.0.0.1', server.port)
    await settle(client)
    client.request(Method.GET, '/chunked', [])
    assert.equal(await settle(client), Status.BODY)
    const body = client.readResponseBodyChunk()
    assert.equal(body.length, 2000)
    assert.equal(client.getStatus(), Status.CONNECTED)
    client.close()
  })

  it('keeps the connection alive across requests and reopens it when the server closed it', async () => {
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', server.port)
    await settle(client)
    const before = connections.size
    for (let i = 0; i < 3; i++) {
      client.request(Method.GET, `/n${i}`, [])
      await settle(client)
      assert.equal(JSON.parse((await readBody(client)).toString()).url, `/n${i}`)
    }
    assert.ok(connections.size - before <= 1, 'three requests over one connection')
    client.request(Method.GET, '/close', [])
    await settle(client)
    assert.equal((await readBody(client)).toString(), 'bye')
    assert.equal(client.getStatus(), Status.CONNECTED)
    client.request(Method.GET, '/after-close', [])
    assert.equal(await settle(client), Status.BODY)
    assert.equal(JSON.parse((await readBody(client)).toString()).url, '/after-close')
    client.close()
  })

  it('ignores the body of a GET and sends the body of a POST with its length', async () => {
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', server.port)
    await settle(client)
    client.request(Method.GET, '/g', [], 'ignored')
    await settle(client)
    const got = JSON.parse((await readBody(client)).toString())
    assert.equal(got.body, '')
    assert.equal(got.headers['content-length'], undefined)
    const form = client.queryStringFromDict({ username: 'user', password: 'pass' })
    client.request(Method.POST, '/p', ['Content-Type: application/x-www-form-urlencoded'], form)
    await settle(client)
    const posted = JSON.parse((await readBody(client)).toString())
    assert.equal(posted.method, 'POST')
    assert.equal(posted.body, 'username=user&password=pass')
    assert.equal(posted.headers['content-length'], String(form.length))
    client.requestRaw(Method.PUT, '/r', [], new Uint8Array([104, 105]))
    await settle(client)
    assert.equal(JSON.parse((await readBody(client)).toString()).body, 'hi')
    client.close()
  })

  it('sends * for OPTIONS and the authority form for CONNECT as given', async () => {
    const raw = await scriptedServer((_head, _i, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', raw.port)
    await settle(client)
    client.request(Method.OPTIONS, '*', [])
    assert.equal(await settle(client), Status.CONNECTED)
    assert.equal(client.getResponseCode(), 200)
    client.request(Method.CONNECT, 'example.com:443', [])
    await settle(client)
    assert.match(raw.heads[0], /^OPTIONS \* HTTP\/1\.1\r\n/)
    assert.match(raw.heads[1], /^CONNECT example\.com:443 HTTP\/1\.1\r\n/)
    client.close()
    await raw.close()
  })

  it('answers a response without body (HEAD, 204) with CONNECTED and hasResponse', async () => {
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', server.port)
    await settle(client)
    client.request(Method.HEAD, '/h', [])
    assert.equal(await settle(client), Status.CONNECTED)
    assert.equal(client.hasResponse(), true)
    assert.equal(client.getResponseCode(), 200)
    assert.equal(client.readResponseBodyChunk().length, 0)
    client.close()
  })

  it('advances with the non-blocking poll() alone, and pollAsync() resolves at once when idle', async () => {
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', server.port)
    const { setImmediate: tick } = await import('node:timers/promises')
    while (client.poll() === Status.CONNECTING) await tick()
    assert.equal(client.getStatus(), Status.CONNECTED)
    assert.equal(await client.pollAsync(), Status.CONNECTED)
    client.request(Method.GET, '/p', [])
    while (client.poll() === Status.REQUESTING) await tick()
    let text = ''
    while (client.poll() === Status.BODY) {
      text += client.readResponseBodyChunk().toString()
      await tick()
    }
    assert.equal(JSON.parse(text).url, '/p')
    client.close()
    assert.equal(await new HTTPClient().pollAsync(), Status.DISCONNECTED)
  })

  it('refuses request() unless CONNECTED', () => {
    const client = new HTTPClient()
    assert.throws(() => client.request(Method.GET, '/', []), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_CLIENT_STATE'))
    assert.throws(() => client.connectToHost('', 80), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_INVALID_REQUEST_URL'))
  })

  it('rejects header lines with CR/LF (no header injection)', async () => {
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', server.port)
    await settle(client)
    assert.throws(() => client.request(Method.GET, '/', ['X-A: 1\r\nX-B: 2']), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_INVALID_HEADER_INPUT'))
    client.close()
  })

  it('exposes its socket as connection and uses a socket it is given', async () => {
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', server.port)
    await settle(client)
    const socket = client.connection
    assert.ok(socket !== null)
    const other = new HTTPClient()
    other.connection = socket
    assert.equal(other.getStatus(), Status.CONNECTED)
    other.close()
    client.close()
  })
})

describe('HTTPClient over TLS', () => {
  const certs = makeCerts()
  let server: Running<import('node:https').Server>
  before(async () => {
    server = await httpsServer({ key: certs.key, cert: certs.cert }, (_req, res) => res.end('secure'))
  })
  after(() => server.close())

  it('reports TLS_HANDSHAKE_ERROR when the CA is not trusted', async () => {
    const client = new HTTPClient()
    client.connectToHost('localhost', server.port, TLSOptions.client(certs.otherCaCert))
    assert.equal(await settle(client), Status.TLS_HANDSHAKE_ERROR)
    assert.ok(isPorticoError(client.lastError, 'PORTICO_ERR_TLS_HANDSHAKE'))
  })

  it('connects with the right CA, and with the common-name override or the unsafe mode', async () => {
    for (const [host, options] of [
      ['localhost', TLSOptions.client(certs.caCert)],
      ['127.0.0.1', TLSOptions.client(certs.caCert, 'localhost')],
      ['127.0.0.1', TLSOptions.clientUnsafe()],
    ] as const) {
      const client = new HTTPClient()
      client.connectToHost(host, server.port, options)
      assert.equal(await settle(client), Status.CONNECTED, `${host} ${options.unsafe}`)
      client.request(Method.GET, '/', [])
      await settle(client)
      assert.equal((await readBody(client)).toString(), 'secure')
      client.close()
    }
  })

  it('fails the name check when the override names another host', async () => {
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', server.port, TLSOptions.client(certs.caCert, 'other.example'))
    assert.equal(await settle(client), Status.TLS_HANDSHAKE_ERROR)
  })
})
