import { test } from 'node:test'
import assert from 'node:assert/strict'
import { negotiateEncoding, parseAcceptEncoding } from '../../src/middleware/negotiate-encoding.js'

test('parses codings with q-values, x-gzip as gzip', () => {
  assert.deepEqual(parseAcceptEncoding('gzip;q=0.5, BR , x-gzip; q=0, deflate;q=2'), [
    { name: 'gzip', q: 0.5 },
    { name: 'br', q: 1 },
    { name: 'gzip', q: 0 },
    { name: 'deflate', q: 0 },
  ])
})

test('prefers br, then gzip, then deflate at equal weight', () => {
  assert.equal(negotiateEncoding('gzip, deflate, br'), 'br')
  assert.equal(negotiateEncoding('deflate, gzip'), 'gzip')
  assert.equal(negotiateEncoding('deflate'), 'deflate')
})

test('follows the client weights', () => {
  assert.equal(negotiateEncoding('br;q=0.1, gzip;q=0.8'), 'gzip')
  assert.equal(negotiateEncoding('br;q=0, gzip;q=0'), 'identity')
})

test('answers identity without a header, with an empty one, or with unknown codings only', () => {
  assert.equal(negotiateEncoding(undefined), 'identity')
  assert.equal(negotiateEncoding(''), 'identity')
  assert.equal(negotiateEncoding('compress, zstd'), 'identity')
  assert.equal(negotiateEncoding('identity'), 'identity')
})

test('a wildcard accepts the codings not named', () => {
  assert.equal(negotiateEncoding('*'), 'br')
  assert.equal(negotiateEncoding('br;q=0, *'), 'gzip')
  assert.equal(negotiateEncoding('*;q=0'), 'identity')
})

test('chooses only among the available codings', () => {
  assert.equal(negotiateEncoding('br, gzip', ['gzip']), 'gzip')
  assert.equal(negotiateEncoding('br', ['gzip']), 'identity')
})
