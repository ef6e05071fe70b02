import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Server } from 'node:https'
import type { TLSSocket } from 'node:tls'
import { Agent, HTTPClient, Method, ResponseCode, Status, TLSOptions, openConnection, request } from '../../src/client/index.js'
import { isPorticoError } from '../../src/errors.js'
import { makeCerts } from '../fixtures/tls.js'
import { httpsServer, type Running } from './helpers.js'

describe('HTTPS with a test CA', () => {
  const certs = makeCerts()
  let server: Running<Server>
  before(async () => {
    server = await httpsServer({ key: certs.key, cert: certs.cert }, (req, res) => {
      res.statusCode = req.url === '/fail' ? 500 : 200
      res.end(`tls ${req.url}`)
    })
  })
  after(() => server.close())

  it('request() fails verification with the wrong CA and passes with the right one', async () => {
    const wrong = new Agent({ tls: TLSOptions.client(certs.otherCaCert) })
    await assert.rejects(request(`https://localhost:${server.port}/`, { agent: wrong }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_TLS_HANDSHAKE'))
    await wrong.close()
    const noCa = new Agent()
    await assert.rejects(request(`https://localhost:${server.port}/`, { agent: noCa }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_TLS_HANDSHAKE'))
    await noCa.close()
    const right = new Agent({ tls: TLSOptions.client(certs.caCert) })
    assert.equal(await (await request(`https://localhost:${server.port}/ok`, { agent: right })).text(), 'tls /ok')
    assert.equal(await (await request(`https://127.0.0.1:${server.port}/ip`, { agent: right })).text(), 'tls /ip')
    await right.close()
  })

  it('request() accepts any certificate only in the explicitly unsafe mode', async () => {
    const unsafe = new Agent({ tls: TLSOptions.clientUnsafe() })
    assert.equal(TLSOptions.clientUnsafe().isUnsafe(), true)
    assert.equal(TLSOptions.client().isUnsafe(), false)
    assert.equal(await (await request(`https://localhost:${server.port}/u`, { agent: unsafe })).text(), 'tls /u')
    await unsafe.close()
  })

  it('openConnection completes the handshake for a wss: URL and offers http/1.1', async () => {
    const socket = await openConnection(`wss://localhost:${server.port}/ws`, { tls: TLSOptions.client(certs.caCert) }) as TLSSocket
    assert.equal(socket.authorized, true)
    assert.equal(socket.alpnProtocol, 'http/1.1')
    socket.destroy()
  })

  it('HTTPClient takes TLS from an https:// host prefix and reads an error status', async () => {
    const client = new HTTPClient()
    client.connectToHost(`https://localhost`, server.port, TLSOptions.client(certs.caCert))
    let status = client.poll()
    while (status === Status.RESOLVING || status === Status.CONNECTING) status = await client.pollAsync()
    assert.equal(status, Status.CONNECTED)
    client.request(Method.GET, '/fail', [])
    while (client.poll() === Status.REQUESTING) await client.pollAsync()
    assert.equal(client.getResponseCode(), ResponseCode.INTERNAL_SERVER_ERROR)
    const parts: Buffer[] = []
    while (client.getStatus() === Status.BODY) {
      parts.push(client.readResponseBodyChunk())
      await client.pollAsync()
    }
    assert.equal(Buffer.concat(parts).toString(), 'tls /fail')
    client.close()
  })
})

describe('HTTPS to an IP address: the certificate is checked against that address', () => {
  it('RFC 6125 §6.2: a certificate for the name only is refused for https://127.0.0.1, one for the address is taken (names fall back to the CN, localhost)', async () => {
    for (const [san, ipOk, nameOk] of [['DNS:localhost', false, true], ['IP:127.0.0.1', true, true]] as const) {
      const certs = makeCerts(san)
      const server = await httpsServer({ key: certs.key, cert: certs.cert }, (_req, res) => res.end('ok'))
      const agent = new Agent({ tls: TLSOptions.client(certs.caCert) })
      try {
        for (const [url, ok] of [[`https://127.0.0.1:${server.port}/`, ipOk], [`https://localhost:${server.port}/`, nameOk]] as const) {
          if (ok) assert.equal(await (await request(url, { agent })).text(), 'ok', `${san} ${url}`)
          else await assert.rejects(request(url, { agent }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_TLS_HANDSHAKE'), `${san} ${url}`)
        }
      } finally {
        agent.close()
        await server.close()
      }
    }
  })
})
