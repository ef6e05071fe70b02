/**
 * The client's own weight for `identity` (RFC 9110 §12.5.3): a coding is chosen only when the
 * client does not weigh "no coding" higher.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { negotiateEncoding } from '../../src/middleware/negotiate-encoding.js'
import { compress } from '../../src/middleware/compress.js'
import { request, started } from './helpers.js'

test('identity weighted above every coding wins', () => {
  assert.equal(negotiateEncoding('identity, gzip;q=0.5'), 'identity')
  assert.equal(negotiateEncoding('identity;q=1, br;q=0.1'), 'identity')
  assert.equal(negotiateEncoding('gzip;q=0.4, identity;q=0.5, br;q=0.3'), 'identity')
})

test('a coding weighted above identity wins', () => {
  assert.equal(negotiateEncoding('identity;q=0.5, gzip'), 'gzip')
  assert.equal(negotiateEncoding('identity;q=0, gzip;q=0.1'), 'gzip')
  assert.equal(negotiateEncoding('gzip;q=0.8, identity;q=0.2, br;q=0.9'), 'br')
})

test('a tie with an identity the client named goes to identity; a tie through * goes to the coding', () => {
  assert.equal(negotiateEncoding('gzip, identity'), 'identity')
  assert.equal(negotiateEncoding('*'), 'br')
  assert.equal(negotiateEncoding('br;q=0.5, *'), 'gzip')
  assert.equal(negotiateEncoding('br;q=0.5, gzip;q=0.5, deflate;q=0.5, *'), 'identity')
  assert.equal(negotiateEncoding('br;q=0.5, *;q=0.2'), 'br')
})

test('identity the client does not mention stays below any coding it lists', () => {
  assert.equal(negotiateEncoding('gzip'), 'gzip')
  assert.equal(negotiateEncoding('gzip;q=0.1'), 'gzip')
  assert.equal(negotiateEncoding('*;q=0, identity'), 'identity')
})

test('compress() sends identity when the client prefers it', async () => {
  const server = await started((s) => {
    s.use(compress(), { stage: 'encoding' })
    s.get('/text', () => 'hello world '.repeat(500))
  })
  try {
    const r = await request(server.getPort(), '/text', { headers: { 'Accept-Encoding': 'identity, gzip;q=0.5' } })
    assert.equal(r.headers['content-encoding'], undefined)
    assert.equal(r.headers.vary, 'Accept-Encoding')
    assert.equal(r.text, 'hello world '.repeat(500))
    const gz = await request(server.getPort(), '/text', { headers: { 'Accept-Encoding': 'identity;q=0.5, gzip' } })
    assert.equal(gz.headers['content-encoding'], 'gzip')
  } finally {
    await server.stop({ graceful: false })
  }
})
