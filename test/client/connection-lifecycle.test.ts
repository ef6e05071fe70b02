import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { Agent, HTTPClient, Method, Status, openConnection, request } from '../../src/client/index.js'
import { isPorticoError } from '../../src/errors.js'
import { closedPort, rawServer, scriptedServer } from './helpers.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'

async function settle(client: HTTPClient): Promise<Status> {
  let status = client.poll()
  while (status === Status.RESOLVING || status === Status.CONNECTING || status === Status.REQUESTING) status = await client.pollAsync()
  return status
}

describe('client connections: reuse, aborts, upgrades and timeouts', () => {
  it('fails request() on an unsolicited 101 and closes the socket (a later reset cannot crash)', async () => {
    const raw = await scriptedServer((_head, _i, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: upgrade\r\n\r\nxyz')
      setTimeout(() => socket.resetAndDestroy(), 20)
    })
    const agent = new Agent()
    await assert.rejects(request(raw.url, { agent }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_UNEXPECTED_UPGRADE'))
    await sleep(50)
    assert.equal(agent.connections, 0)
    agent.destroy()
    await raw.close()
  })

  it('HTTPClient keeps owning a socket that switched protocols, and destroys it when replaced', async () => {
    const raw = await scriptedServer((head, _i, socket) => {
      if (head.startsWith('GET /up ')) {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: upgrade\r\n\r\n')
        setTimeout(() => socket.resetAndDestroy(), 20)
      } else {
        socket.write(OK)
      }
    })
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', raw.port)
    await settle(client)
    client.request(Method.GET, '/up', [])
    await settle(client)
    assert.equal(client.getResponseCode(), 101)
    const upgraded = client.connection as Socket
    await sleep(50) // the reset reaches the upgraded socket: handled, no crash
    client.request(Method.GET, '/next', [])
    await settle(client)
    assert.equal(client.readResponseBodyChunk().toString(), 'ok')
    assert.equal(upgraded.destroyed, true)
    assert.notEqual(client.connection, upgraded)
    client.close()
    await raw.close()
  })

  it('gives back the pooled connection when the signal is already aborted', async () => {
    const raw = await scriptedServer((_head, _i, socket) => socket.write(OK))
    let accepted = 0
    raw.server.on('connection', () => accepted++)
    const agent = new Agent({ maxSocketsPerOrigin: 1 })
    await assert.rejects(request(raw.url, { agent, signal: AbortSignal.abort() }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_REQUEST_ABORTED'))
    await sleep(20)
    assert.deepEqual([accepted, agent.connections], [0, 0])
    assert.equal(await (await request(raw.url, { agent })).text(), 'ok')
    assert.deepEqual([agent.connections, agent.idleConnections], [1, 1])
    await assert.rejects(request(raw.url, { agent, signal: AbortSignal.abort() }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_REQUEST_ABORTED'))
    assert.deepEqual([agent.connections, agent.idleConnections], [1, 1])
    const started = Date.now()
    assert.equal(await (await request(raw.url, { agent })).text(), 'ok')
    assert.ok(Date.now() - started < 500)
    assert.equal(raw.heads.length, 2)
    await agent.close()
    await raw.close()
  })

  it('does not reuse a connection that sent bytes after the response', async () => {
    // One byte too many (a Content-Length counted in characters), then the start of a response.
    const raw = await scriptedServer((head, _i, socket) => {
      if (head.startsWith('GET /extra ')) socket.write(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhéllo', 'utf8'))
      else if (head.startsWith('GET /partial ')) socket.write(`${OK}HTTP/1.1 2`)
      else if (head.startsWith('GET /crlf ')) socket.write(`${OK}\r\n`)
      else socket.write(OK)
    })
    const agent = new Agent({ maxSocketsPerOrigin: 1 })
    const both = await Promise.all([1, 2].map(() => request(`${raw.url}/extra`, { agent }).then((r) => r.text())))
    assert.deepEqual(both, ['héll', 'héll'])
    assert.equal(await (await request(`${raw.url}/partial`, { agent })).text(), 'ok')
    assert.equal(agent.idleConnections, 0)
    assert.equal(await (await request(`${raw.url}/next`, { agent })).text(), 'ok')
    // A stray CRLF after a body is tolerated.
    assert.equal(await (await request(`${raw.url}/crlf`, { agent })).text(), 'ok')
    assert.equal(agent.idleConnections, 1)
    agent.destroy()
    await raw.close()
  })

  it('does not retry a headers timeout on a reused connection', async () => {
    const raw = await scriptedServer((_head, index, socket) => {
      if (index === 0) socket.write(OK)
    })
    const agent = new Agent()
    await (await request(raw.url, { agent })).text()
    await assert.rejects(request(raw.url, { agent, timeout: { headers: 100 } }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_HEADERS_TIMEOUT'))
    await sleep(20)
    assert.equal(raw.heads.length, 2) // sent once, not again on a new connection
    agent.destroy()
    await raw.close()
  })

  it('times out a response head that trickles in, or that sends only 1xx heads', async () => {
    const raw = await rawServer((socket) => {
      socket.on('error', () => {})
      socket.once('data', (d: Buffer) => {
        const interim = d.toString('latin1').startsWith('GET /interim ')
        if (!interim) socket.write('HTTP/1.1 200 OK\r\n')
        const timer = setInterval(() => {
          if (socket.destroyed) clearInterval(timer)
          else socket.write(interim ? 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' : 'X-Slow: 1\r\n')
        }, 20)
        socket.on('close', () => clearInterval(timer))
      })
    })
    const agent = new Agent()
    for (const path of ['/trickle', '/interim']) {
      const started = Date.now()
      await assert.rejects(request(raw.url + path, { agent, timeout: { headers: 100 } }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_HEADERS_TIMEOUT'))
      const took = Date.now() - started
      assert.ok(took >= 90 && took < 1000, `${path} took ${took} ms`)
    }
    agent.destroy()
    await raw.close()
  })

  it('refuses an https:// proxy with a typed error instead of dialling it in plain TCP', async () => {
    const agent = new Agent()
    await assert.rejects(request('http://127.0.0.1:1/', { agent, proxy: 'https://127.0.0.1:1' }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_INVALID_REQUEST_URL') && /TLS to the proxy/.test(e.message))
    await assert.rejects(openConnection('http://127.0.0.1:1/', { proxy: 'https://127.0.0.1:1' }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_INVALID_REQUEST_URL'))
    assert.equal(agent.connections, 0)
    agent.destroy()
  })

  it('HTTPClient clears lastError on connectToHost and on a response', async () => {
    const raw = await scriptedServer((_head, _i, socket) => socket.write(OK))
    const client = new HTTPClient()
    client.connectToHost('127.0.0.1', await closedPort())
    assert.equal(await settle(client), Status.CANT_CONNECT)
    assert.ok(isPorticoError(client.lastError, 'PORTICO_ERR_CANT_CONNECT'))
    client.connectToHost('127.0.0.1', raw.port)
    assert.equal(client.lastError, null)
    assert.equal(await settle(client), Status.CONNECTED)
    client.request(Method.GET, '/', [])
    await settle(client)
    assert.equal(client.lastError, null)
    client.close()
    await raw.close()
  })
})
