import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { HTTPClient, Status, request } from '../../src/client/index.js'
import { isPorticoError } from '../../src/errors.js'
import { scriptedServer } from './helpers.js'

const SMUGGLING = 'GET /admin HTTP/1.1\r\nHost: internal\r\n\r\nGET'

describe('client: the request method is a token (RFC 9110 §9.1), never a way to write a second request', () => {
  it('request() rejects a method with CRLF or a space, and sends nothing', async () => {
    const server = await scriptedServer((_head, _i, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
    try {
      for (const method of [SMUGGLING, 'GET /x', '', 'G\u00c9T']) {
        await assert.rejects(request(`${server.url}/public`, { method }), (err) => isPorticoError(err, 'PORTICO_ERR_INVALID_REQUEST_METHOD'), JSON.stringify(method))
      }
      const ok = await request(`${server.url}/public`, { method: 'PROPFIND' })
      await ok.bytes()
      assert.deepEqual(server.heads.map((h) => h.split(' ')[0]), ['PROPFIND'])
    } finally {
      await server.close()
    }
  })

  it('HTTPClient.request() throws PORTICO_ERR_INVALID_REQUEST_METHOD and stays CONNECTED', async () => {
    const server = await scriptedServer((_head, _i, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
    const client = new HTTPClient()
    try {
      client.connectToHost('127.0.0.1', server.port)
      while (client.getStatus() !== Status.CONNECTED) await client.pollAsync()
      assert.throws(() => client.request(SMUGGLING, '/public'), (err) => isPorticoError(err, 'PORTICO_ERR_INVALID_REQUEST_METHOD'))
      assert.equal(client.getStatus(), Status.CONNECTED)
      assert.deepEqual(server.heads, [])
    } finally {
      client.close()
      await server.close()
    }
  })
})

describe('client: timeouts outside what a timer can hold are refused up front', () => {
  it('request() rejects timeout Infinity, 0, NaN or past 2^31−1 ms with a RangeError and sends nothing', async () => {
    const server = await scriptedServer((_head, _i, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
    try {
      for (const timeout of [Infinity, 0, Number.NaN, 3e9, -1, { body: Infinity }, { connect: 2 ** 31 }]) {
        await assert.rejects(request(server.url, { timeout }), RangeError, JSON.stringify(timeout))
      }
      await (await request(server.url, { timeout: 2 ** 31 - 1 })).bytes()
      assert.equal(server.heads.length, 1)
    } finally {
      await server.close()
    }
  })
})
