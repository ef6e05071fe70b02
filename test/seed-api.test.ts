// The seeds' names are a contract (tests outside this repository call them): every method,
// property and signal the source documents name exists under its TypeScript name.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request as httpsRequest } from 'node:https'
import { HTTPServer, createServer, HTTPClient, SSEConnection, Method, ResponseCode, Status, queryStringFromDict } from '../src/index.js'
import { selfSignedFiles } from './fixtures/tls.js'

test('HTTPServer (seed 000) has every method of the seed', () => {
  const names = [
    'clearRoutes', 'closeSseConnection', 'enableDirectoryListing', 'getActiveSseConnections', 'getCorsOrigin',
    'getMaxRequestSize', 'getPort', 'getStaticDirectory', 'isCorsEnabled', 'isDirectoryListingEnabled', 'isListening',
    'listen', 'registerRoute', 'sendSseData', 'sendSseEvent', 'setCorsEnabled', 'setCorsOrigin', 'setMaxRequestSize',
    'setStaticDirectory', 'stop', 'unregisterRoute',
  ] as const
  for (const name of names) assert.equal(typeof HTTPServer[name], 'function', name)
  assert.equal(HTTPServer.getPort(), 0, 'getPort() is 0 when not listening')
  assert.equal(HTTPServer.isListening(), false)
})

test('setMaxRequestSize clamps between 1 KB and 1 MB, as the seed says', () => {
  const server = createServer()
  server.setMaxRequestSize(10)
  assert.equal(server.getMaxRequestSize(), 1024)
  server.setMaxRequestSize(10 * 1024 * 1024)
  assert.equal(server.getMaxRequestSize(), 1024 * 1024)
})

test("listen(port, bindAddress, useTls, tlsKey, tlsCert): the seed's positional form, with and without TLS", async () => {
  const plain = createServer()
  await plain.listen(0, '127.0.0.1', false, '', '')
  assert.equal(plain.isListening(), true)
  await plain.stop()
  const dir = mkdtempSync(join(tmpdir(), 'portico-seed-'))
  const secure = createServer()
  try {
    const { keyFile, certFile } = selfSignedFiles(dir)
    secure.get('/', () => 'over TLS')
    await secure.listen(0, '127.0.0.1', true, keyFile, certFile)
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: secure.getPort(), path: '/', rejectUnauthorized: false }, (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () => resolve(text))
      })
      req.on('error', reject)
      req.end()
    })
    assert.equal(body, 'over TLS')
  } finally {
    await secure.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('SSEConnection (seed 003) has connectionId, path and every method of the seed', () => {
  for (const name of ['closeConnection', 'isConnectionActive', 'sendData', 'sendEvent', 'getConnectionId', 'getPath'] as const) {
    assert.equal(typeof SSEConnection.prototype[name], 'function', name)
  }
})

test('HTTPClient (seed 002) has every method and property of the seed, and its enums', () => {
  const client = new HTTPClient()
  const methods = [
    'close', 'connectToHost', 'getResponseBodyLength', 'getResponseCode', 'getResponseHeaders',
    'getResponseHeadersAsDictionary', 'getStatus', 'hasResponse', 'isResponseChunked', 'poll', 'queryStringFromDict',
    'readResponseBodyChunk', 'request', 'requestRaw', 'setHttpProxy', 'setHttpsProxy',
  ] as const
  for (const name of methods) assert.equal(typeof client[name], 'function', name)
  assert.equal(client.readChunkSize, 65536)
  assert.equal(client.blockingMode, false)
  assert.equal(client.getStatus(), Status.DISCONNECTED)
  assert.equal(Method.GET, 0)
  assert.equal(Method.MAX, 9)
  assert.equal(ResponseCode.NETWORK_AUTH_REQUIRED, 511)
  assert.equal(Status.TLS_HANDSHAKE_ERROR, 9)
  assert.equal(queryStringFromDict({ username: 'user', password: 'pass' }), 'username=user&password=pass')
})

test('Server (seed 001, tiny_httpd) has the names of create, run and the server accessors', async () => {
  const server = createServer({
    addr: '127.0.0.1', port: 0, sock: undefined, bufSize: 16 * 1024, getTimeS: () => Date.now() / 1000,
    newThread: (serve) => void serve(), middlewares: [[1, async (_req, _res, next) => next()]], masksigpipe: true,
    maxConnections: 10, idleTimeout: 0, afterInit: () => {},
  })
  for (const name of ['run', 'runExn', 'getAddress', 'isIPv6', 'all', 'registerRoute', 'setTopHandler', 'use', 'stop'] as const) {
    assert.equal(typeof server[name], 'function', name)
  }
  assert.equal(server.running, false)
  assert.equal(server.getAddress(), '127.0.0.1')
  assert.equal(server.isIPv6(), false)
  assert.equal(server.activeConnections, 0)
  let port = -1
  const done = server.run(() => (port = server.port))
  while (port < 0) await new Promise((resolve) => setTimeout(resolve, 5))
  assert.ok(port > 0)
  assert.equal(server.running, true)
  await server.stop()
  assert.deepEqual(await done, { ok: true })
})
