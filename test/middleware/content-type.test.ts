import { test } from 'node:test'
import assert from 'node:assert/strict'
import { contentTypeFor, isCompressible } from '../../src/middleware/content-type.js'

test('gives text types a utf-8 charset', () => {
  assert.equal(contentTypeFor('/a/index.html'), 'text/html; charset=utf-8')
  assert.equal(contentTypeFor('app.js'), 'text/javascript; charset=utf-8')
  assert.equal(contentTypeFor('data.json'), 'application/json; charset=utf-8')
  assert.equal(contentTypeFor('style.css'), 'text/css; charset=utf-8')
})

test('gives binary types no charset and unknown extensions octet-stream', () => {
  assert.equal(contentTypeFor('photo.png'), 'image/png')
  assert.equal(contentTypeFor('Makefile'), 'application/octet-stream')
  assert.equal(contentTypeFor('x.unknownext'), 'application/octet-stream')
})

test('compresses text-like types only, never event streams', () => {
  assert.ok(isCompressible('text/html; charset=utf-8'))
  assert.ok(isCompressible('application/json'))
  assert.ok(isCompressible('application/ld+json'))
  assert.ok(isCompressible('image/svg+xml'))
  assert.ok(!isCompressible('image/png'))
  assert.ok(!isCompressible('application/zip'))
  assert.ok(!isCompressible('text/event-stream'))
  assert.ok(!isCompressible(undefined))
})
