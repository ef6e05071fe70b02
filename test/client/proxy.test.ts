import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import { Agent, HTTPClient, Method, Status, TLSOptions, openConnection, proxyFromEnv, request } from '../../src/client/index.js'
import { isPorticoError } from '../../src/errors.js'
import { makeCerts } from '../fixtures/tls.js'
import { forwardProxy, httpServer, httpsServer, rawServer, type Running } from './helpers.js'

async function settle(client: HTTPClient): Promise<Status> {
  let status = client.poll()
  while (status === Status.RESOLVING || status === Status.CONNECTING || status === Status.REQUESTING) status = await client.pollAsync()
  return status
}

async function drain(client: HTTPClient): Promise<string> {
  const parts: Buffer[] = []
  while (client.getStatus() === Status.BODY) {
    parts.push(client.readResponseBodyChunk())
    await client.pollAsync()
  }
  return Buffer.concat(parts).toString()
}

describe('proxies', () => {
  const certs = makeCerts()
  let origin: Running<Server>
  let secure: Running<HttpsServer>
  let proxy: Awaited<ReturnType<typeof forwardProxy>>
  before(async () => {
    origin = await httpServer((req, res) => res.end(`plain ${req.url}`))
    secure = await httpsServer({ key: certs.key, cert: certs.cert }, (req, res) => res.end(`secure ${req.url}`))
    proxy = await forwardProxy()
  })
  after(async () => {
    await origin.close()
    await secure.close()
    await proxy.close()
  })

  it('request() sends plain HTTP through the proxy in absolute form', async () => {
    const agent = new Agent()
    const res = await request(`${origin.url}/a?b=1`, { agent, proxy: proxy.url })
    assert.equal(await res.text(), 'plain /a?b=1')
    assert.ok(proxy.requests.includes(`GET ${origin.url}/a?b=1`))
    await agent.close()
  })

  it('request() tunnels HTTPS through CONNECT and verifies the origin certificate', async () => {
    const agent = new Agent({ tls: TLSOptions.client(certs.caCert) })
    const res = await request(`https://localhost:${secure.port}/s`, { agent, proxy: proxy.url })
    assert.equal(await res.text(), 'secure /s')
    assert.ok(proxy.connects.includes(`localhost:${secure.port}`))
    await agent.close()
    const wrong = new Agent({ tls: TLSOptions.client(certs.otherCaCert) })
    await assert.rejects(request(`https://localhost:${secure.port}/s`, { agent: wrong, proxy: proxy.url }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_TLS_HANDSHAKE'))
    await wrong.close()
  })

  it("request() takes the proxy from HTTP_PROXY when proxy is 'env', and NO_PROXY bypasses it", async () => {
    const saved = { ...process.env }
    try {
      process.env.HTTP_PROXY = proxy.url
      delete process.env.http_proxy
      delete process.env.NO_PROXY
      delete process.env.no_proxy
      const agent = new Agent()
      const before = proxy.requests.length
      assert.equal(await (await request(`${origin.url}/env`, { agent, proxy: 'env' })).text(), 'plain /env')
      assert.equal(proxy.requests.length, before + 1)
      process.env.NO_PROXY = '127.0.0.1'
      assert.equal(await (await request(`${origin.url}/direct`, { agent, proxy: 'env' })).text(), 'plain /direct')
      assert.equal(proxy.requests.length, before + 1)
      await agent.close()
    } finally {
      process.env = saved
    }
  })

  it('sends Basic credentials from the proxy URL, for absolute-form requests and for CONNECT', async () => {
    const guarded = await forwardProxy()
    const expected = 'Basic ' + Buffer.from('user:p@ss').toString('base64')
    guarded.server.authenticate = (req) => req.headers['proxy-authorization'] === expected
    const agent = new Agent({ tls: TLSOptions.client(certs.caCert) })
    const withAuth = `http://user:p%40ss@127.0.0.1:${guarded.port}`
    assert.equal(await (await request(`${origin.url}/auth`, { agent, proxy: withAuth })).text(), 'plain /auth')
    assert.equal(await (await request(`https://localhost:${secure.port}/auth`, { agent, proxy: withAuth })).text(), 'secure /auth')
    const denied = await request(`${origin.url}/auth`, { agent, proxy: guarded.url })
    assert.equal(denied.status, 407)
    await denied.body.dump()
    await assert.rejects(request(`https://localhost:${secure.port}/auth`, { agent, proxy: guarded.url }), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_PROXY_TUNNEL'))
    agent.destroy()
    await guarded.close()
  })

  it('HTTPClient.setHttpProxy sends absolute-form requests through the proxy', async () => {
    const client = new HTTPClient()
    client.setHttpProxy('127.0.0.1', proxy.port)
    client.connectToHost('127.0.0.1', origin.port)
    assert.equal(await settle(client), Status.CONNECTED)
    client.request(Method.GET, '/via-proxy', [])
    await settle(client)
    assert.equal(await drain(client), 'plain /via-proxy')
    assert.ok(proxy.requests.includes(`GET ${origin.url}/via-proxy`))
    client.close()
  })

  it('HTTPClient.setHttpsProxy tunnels with CONNECT; an empty host unsets the proxy', async () => {
    const client = new HTTPClient()
    client.setHttpsProxy('127.0.0.1', proxy.port)
    client.connectToHost('localhost', secure.port, TLSOptions.client(certs.caCert))
    assert.equal(await settle(client), Status.CONNECTED)
    client.request(Method.GET, '/tunnel', [])
    await settle(client)
    assert.equal(await drain(client), 'secure /tunnel')
    client.close()
    const connects = proxy.connects.length
    client.setHttpsProxy('', 0)
    client.connectToHost('localhost', secure.port, TLSOptions.client(certs.caCert))
    assert.equal(await settle(client), Status.CONNECTED)
    assert.equal(proxy.connects.length, connects)
    client.close()
  })

  it('reports CANT_CONNECT when the proxy refuses the tunnel', async () => {
    const refusing = await rawServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'))
    })
    const client = new HTTPClient()
    client.setHttpsProxy('127.0.0.1', refusing.port)
    client.connectToHost('localhost', secure.port, TLSOptions.client(certs.caCert))
    assert.equal(await settle(client), Status.CANT_CONNECT)
    assert.ok(isPorticoError(client.lastError, 'PORTICO_ERR_PROXY_TUNNEL'))
    await refusing.close()
  })

  it('openConnection tunnels a plain target when asked (WebSocket/SSE clients)', async () => {
    const socket = await openConnection(origin.url, { proxy: proxy.url, tunnel: true })
    socket.write('GET /raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    let text = ''
    for await (const chunk of socket) text += (chunk as Buffer).toString()
    assert.match(text, /plain \/raw$/)
    assert.ok(proxy.connects.includes(`127.0.0.1:${origin.port}`))
  })
})

describe('proxyFromEnv', () => {
  it('picks HTTPS_PROXY for https and HTTP_PROXY for http, lower case first', () => {
    const env = { HTTPS_PROXY: 'http://secure-proxy:1', HTTP_PROXY: 'plain-proxy:2', http_proxy: 'http://lower:3' }
    assert.equal(proxyFromEnv(new URL('https://a.example/'), env)?.host, 'secure-proxy:1')
    assert.equal(proxyFromEnv(new URL('http://a.example/'), env)?.host, 'lower:3')
    assert.equal(proxyFromEnv(new URL('ws://a.example/'), { HTTP_PROXY: 'plain-proxy:2' })?.host, 'plain-proxy:2')
    assert.equal(proxyFromEnv(new URL('http://a.example/'), {}), null)
  })

  it('honours NO_PROXY entries: *, domains, leading dots, host:port, IPs', () => {
    const base = { HTTP_PROXY: 'http://p:1' }
    const bypass = (url: string, noProxy: string): boolean => proxyFromEnv(new URL(url), { ...base, NO_PROXY: noProxy }) === null
    assert.equal(bypass('http://a.example/', '*'), true)
    assert.equal(bypass('http://api.example.com/', 'example.com'), true)
    assert.equal(bypass('http://example.com/', '.example.com'), false)
    assert.equal(bypass('http://api.example.com/', '.example.com'), true)
    assert.equal(bypass('http://notexample.com/', 'example.com'), false)
    assert.equal(bypass('http://h.test:8080/', 'h.test:8080'), true)
    assert.equal(bypass('http://h.test:8081/', 'h.test:8080'), false)
    assert.equal(bypass('http://127.0.0.1:9/', 'localhost, 127.0.0.1'), true)
    assert.equal(bypass('http://[::1]:9/', '::1'), true)
  })
})
