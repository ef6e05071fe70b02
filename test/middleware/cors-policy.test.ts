import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CorsPolicy } from '../../src/middleware/cors-policy.js'

const O = 'https://app.example'

test("origin '*' sends * without Vary", async () => {
  assert.deepEqual(await new CorsPolicy().actualHeaders(O), [['Access-Control-Allow-Origin', '*']])
})

test("origin '*' with credentials reflects the origin and varies on it", async () => {
  assert.deepEqual(await new CorsPolicy({ credentials: true }).actualHeaders(O), [
    ['Access-Control-Allow-Origin', O],
    ['Vary', 'Origin'],
    ['Access-Control-Allow-Credentials', 'true'],
  ])
})

test('a single origin string is always sent as is', async () => {
  const p = new CorsPolicy({ origin: 'https://only.example' })
  assert.deepEqual(await p.actualHeaders(O), [['Access-Control-Allow-Origin', 'https://only.example']])
})

test('a list reflects a listed origin, sends nothing but Vary for another', async () => {
  const p = new CorsPolicy({ origin: [O, /\.trusted\.example$/], exposedHeaders: ['X-Total', 'ETag'] })
  assert.deepEqual(await p.actualHeaders(O), [
    ['Access-Control-Allow-Origin', O],
    ['Vary', 'Origin'],
    ['Access-Control-Expose-Headers', 'X-Total, ETag'],
  ])
  assert.deepEqual((await p.actualHeaders('https://x.trusted.example'))[0], ['Access-Control-Allow-Origin', 'https://x.trusted.example'])
  assert.deepEqual(await p.actualHeaders('https://evil.example'), [['Vary', 'Origin']])
  assert.deepEqual(await p.actualHeaders(undefined), [['Vary', 'Origin']])
})

test('a function decides, sync or async', async () => {
  const p = new CorsPolicy({ origin: async (o) => o.endsWith('.example') })
  assert.equal((await p.actualHeaders(O))[0][1], O)
  assert.deepEqual(await p.actualHeaders('https://x.test'), [['Vary', 'Origin']])
  const q = new CorsPolicy({ origin: () => 'https://fixed.example' })
  assert.equal((await q.actualHeaders(O))[0][1], 'https://fixed.example')
})

test('a preflight gets the route methods, reflected headers, max-age and Vary', async () => {
  const p = new CorsPolicy({ origin: true, maxAge: 600, credentials: true })
  assert.deepEqual(await p.preflightHeaders(O, 'content-type, x-token', ['GET', 'HEAD', 'POST']), [
    ['Access-Control-Allow-Origin', O],
    ['Access-Control-Allow-Credentials', 'true'],
    ['Access-Control-Allow-Methods', 'GET, HEAD, POST'],
    ['Access-Control-Allow-Headers', 'content-type, x-token'],
    ['Access-Control-Max-Age', '600'],
    ['Vary', 'Origin, Access-Control-Request-Headers'],
  ])
})

test('a preflight uses configured methods and headers when given', async () => {
  const p = new CorsPolicy({ methods: ['GET', 'PUT'], allowedHeaders: ['Content-Type'] })
  assert.deepEqual(await p.preflightHeaders(O, 'x-other', ['GET']), [
    ['Access-Control-Allow-Origin', '*'],
    ['Access-Control-Allow-Methods', 'GET, PUT'],
    ['Access-Control-Allow-Headers', 'Content-Type'],
  ])
})

test('a preflight from a refused origin carries no Allow headers', async () => {
  const p = new CorsPolicy({ origin: [O] })
  assert.deepEqual(await p.preflightHeaders('https://evil.example', 'x', ['GET']), [['Vary', 'Origin']])
})
