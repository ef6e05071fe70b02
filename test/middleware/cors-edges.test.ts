/**
 * CORS edge cases: an engine answer (413) while the middleware decides, an origin function
 * answering `'*'` with credentials, the opaque origin `null` with credentials, and
 * `setCorsOrigin()` after `cors({...})`.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from '../../src/server/index.js'
import { cors } from '../../src/middleware/cors.js'
import { CorsPolicy, type CorsOptions } from '../../src/middleware/cors-policy.js'
import '../../src/middleware/install.js'
import { rawExchange, request } from './helpers.js'

const O = 'https://a.example'
const servers: Server[] = []
after(async () => {
  for (const s of servers) await s.stop({ graceful: false })
})

async function serve(setup: (s: Server) => void, options: { maxRequestSize?: number } = {}): Promise<{ server: Server; errors: string[] }> {
  const server = createServer(options)
  const errors: string[] = []
  server.on('serverError', (message: string, error: unknown) => errors.push(`${message} :: ${(error as { code?: string })?.code ?? String(error)}`))
  setup(server)
  await server.listen(0, '127.0.0.1')
  servers.push(server)
  return { server, errors }
}

const body = 'x'.repeat(200)
const CHUNKED_UPLOAD = `POST /up HTTP/1.1\r\nHost: x\r\nOrigin: ${O}\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`

const modes: [string, (s: Server, options: CorsOptions) => void][] = [
  ['server.cors()', (s, options) => void s.cors(options)],
  ['use(cors())', (s, options) => s.use(cors(options))],
]
for (const [mode, install] of modes) {
  test(`${mode}: a 413 the engine answers while CORS decides is no server error, carries CORS, runs no handler`, async () => {
    let handled = 0
    const { server, errors } = await serve(
      (s) => {
        install(s, { origin: [O] })
        s.post('/up', async (req) => {
          handled++
          return (await req.text()).length
        })
      },
      { maxRequestSize: 100 },
    )
    const answer = await rawExchange(server.getPort(), CHUNKED_UPLOAD)
    assert.match(answer, /^HTTP\/1\.1 413 /)
    assert.match(answer, new RegExp(`\r\nAccess-Control-Allow-Origin: ${O}\r\n`, 'i'))
    await new Promise((resolve) => setTimeout(resolve, 30))
    assert.deepEqual(errors, [])
    assert.equal(handled, 0)
  })
}

test('use(cors()) with an async origin function: a 413 meanwhile is no server error', async () => {
  const { server, errors } = await serve(
    (s) => {
      s.use(cors({ origin: async (o) => o === O }))
      s.post('/up', async (req) => (await req.text()).length)
    },
    { maxRequestSize: 100 },
  )
  assert.match(await rawExchange(server.getPort(), CHUNKED_UPLOAD), /^HTTP\/1\.1 413 /)
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.deepEqual(errors, [])
})

test('server.cors() with an origin function that rejects: an engine answer survives it', async () => {
  const { server, errors } = await serve(
    (s) => {
      s.cors({ origin: () => Promise.reject(new Error('directory down')) })
      s.post('/up', () => 'never')
    },
    { maxRequestSize: 100 },
  )
  const answer = await rawExchange(server.getPort(), `POST /up HTTP/1.1\r\nHost: x\r\nOrigin: ${O}\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n`)
  assert.match(answer, /^HTTP\/1\.1 413 /)
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.deepEqual(errors, [])
})

test("an origin function answering '*' with credentials reflects the origin and varies on it", async () => {
  const { server } = await serve((s) => {
    s.use(cors({ origin: () => '*', credentials: true }))
    s.get('/x', () => 'ok')
  })
  const r = await request(server.getPort(), '/x', { headers: { Origin: 'https://c.example' } })
  assert.equal(r.headers['access-control-allow-origin'], 'https://c.example')
  assert.equal(r.headers['access-control-allow-credentials'], 'true')
  assert.equal(r.headers.vary, 'Origin')
  const policy = new CorsPolicy({ origin: async () => '*', credentials: true })
  assert.deepEqual(await policy.actualHeaders('https://d.example'), [
    ['Access-Control-Allow-Origin', 'https://d.example'],
    ['Vary', 'Origin'],
    ['Access-Control-Allow-Credentials', 'true'],
  ])
  // Without credentials, '*' stays '*'.
  assert.deepEqual(await new CorsPolicy({ origin: () => '*' }).actualHeaders('https://d.example'), [
    ['Access-Control-Allow-Origin', '*'],
    ['Vary', 'Origin'],
  ])
})

test('with credentials, Origin: null is refused unless the string null is named', async () => {
  const refused: CorsOptions['origin'][] = ['*', true, /.*/, [/.*/], () => true, async () => true, () => '*']
  for (const origin of refused) {
    const headers = await new CorsPolicy({ origin, credentials: true }).actualHeaders('null')
    assert.deepEqual(headers, [['Vary', 'Origin']], String(origin))
    const preflight = await new CorsPolicy({ origin, credentials: true }).preflightHeaders('null', undefined, ['GET'])
    assert.equal(preflight.find(([name]) => name === 'Access-Control-Allow-Origin'), undefined, String(origin))
  }
  for (const origin of [['null'], [O, 'null'], () => 'null', 'null'] as CorsOptions['origin'][]) {
    const headers = await new CorsPolicy({ origin, credentials: true }).actualHeaders('null')
    assert.deepEqual(headers[0], ['Access-Control-Allow-Origin', 'null'], String(origin))
  }
  // Without credentials nothing changes: a reflecting policy reflects null.
  assert.deepEqual((await new CorsPolicy({ origin: true }).actualHeaders('null'))[0], ['Access-Control-Allow-Origin', 'null'])
  // Other origins still pass a wildcard with credentials.
  assert.deepEqual((await new CorsPolicy({ origin: '*', credentials: true }).actualHeaders(O))[0], ['Access-Control-Allow-Origin', O])
})

test('setCorsOrigin() after cors({...}) keeps credentials, exposed headers and max-age', async () => {
  const { server } = await serve((s) => {
    s.cors({ origin: O, credentials: true, exposedHeaders: ['X-Total'], maxAge: 600 })
    s.get('/x', () => 'ok')
  })
  server.setCorsOrigin('https://b.example')
  assert.equal(server.getCorsOrigin(), 'https://b.example')
  const r = await request(server.getPort(), '/x', { headers: { Origin: 'https://b.example' } })
  assert.equal(r.headers['access-control-allow-origin'], 'https://b.example')
  assert.equal(r.headers['access-control-allow-credentials'], 'true')
  assert.equal(r.headers['access-control-expose-headers'], 'X-Total')
  const pre = await request(server.getPort(), '/x', { method: 'OPTIONS', headers: { Origin: 'https://b.example', 'Access-Control-Request-Method': 'GET' } })
  assert.equal(pre.headers['access-control-max-age'], '600')
  assert.equal(pre.headers['access-control-allow-credentials'], 'true')
})
