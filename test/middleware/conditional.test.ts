import { test } from 'node:test'
import assert from 'node:assert/strict'
import { evaluateConditionals, ifRangeHolds, makeEtag, parseEtagList, strongMatch, weakMatch } from '../../src/middleware/conditional.js'

const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5, 678)
const V = { etag: '"abc"', lastModified: MTIME }
const BEFORE = new Date(MTIME - 60_000).toUTCString()
const SAME = new Date(MTIME).toUTCString() // one-second precision: the .678 is dropped
const AFTER = new Date(MTIME + 60_000).toUTCString()

test('makes strong and weak ETags from size and mtime, with a representation suffix', () => {
  assert.equal(makeEtag({ size: 255, mtimeMs: 4096.7 }, false), '"ff-1000"')
  assert.equal(makeEtag({ size: 255, mtimeMs: 4096 }, true, 'br'), 'W/"ff-1000-br"')
})

test('parses entity-tag lists, commas inside tags included', () => {
  assert.deepEqual(parseEtagList('"a", W/"b" ,"c,d"'), ['"a"', 'W/"b"', '"c,d"'])
  assert.equal(parseEtagList(' * '), '*')
  assert.deepEqual(parseEtagList('bogus, "ok"'), ['"ok"'])
})

test('compares strongly and weakly as RFC 9110 §8.8.3.2 table', () => {
  assert.ok(!strongMatch('W/"1"', 'W/"1"'))
  assert.ok(weakMatch('W/"1"', 'W/"1"'))
  assert.ok(!strongMatch('W/"1"', 'W/"2"'))
  assert.ok(!weakMatch('W/"1"', 'W/"2"'))
  assert.ok(!strongMatch('W/"1"', '"1"'))
  assert.ok(weakMatch('W/"1"', '"1"'))
  assert.ok(strongMatch('"1"', '"1"'))
})

test('answers 304 to a matching If-None-Match on GET and HEAD, 412 on other methods', () => {
  assert.equal(evaluateConditionals('GET', { 'if-none-match': '"x", "abc"' }, V), 304)
  assert.equal(evaluateConditionals('HEAD', { 'if-none-match': 'W/"abc"' }, V), 304)
  assert.equal(evaluateConditionals('PUT', { 'if-none-match': '*' }, V), 412)
  assert.equal(evaluateConditionals('GET', { 'if-none-match': '"other"' }, V), 'proceed')
})

test('answers 304 to If-Modified-Since at or after Last-Modified (second precision)', () => {
  assert.equal(evaluateConditionals('GET', { 'if-modified-since': SAME }, V), 304)
  assert.equal(evaluateConditionals('GET', { 'if-modified-since': AFTER }, V), 304)
  assert.equal(evaluateConditionals('GET', { 'if-modified-since': BEFORE }, V), 'proceed')
  assert.equal(evaluateConditionals('GET', { 'if-modified-since': 'not a date' }, V), 'proceed')
  assert.equal(evaluateConditionals('POST', { 'if-modified-since': AFTER }, V), 'proceed')
})

test('ignores If-Modified-Since when If-None-Match is present', () => {
  assert.equal(evaluateConditionals('GET', { 'if-none-match': '"other"', 'if-modified-since': AFTER }, V), 'proceed')
})

test('answers 412 to a failed If-Match (strong comparison) and passes a matching one', () => {
  assert.equal(evaluateConditionals('GET', { 'if-match': '"nope"' }, V), 412)
  assert.equal(evaluateConditionals('GET', { 'if-match': 'W/"abc"' }, V), 412)
  assert.equal(evaluateConditionals('PUT', { 'if-match': '"abc"' }, V), 'proceed')
  assert.equal(evaluateConditionals('PUT', { 'if-match': '*' }, V), 'proceed')
  assert.equal(evaluateConditionals('PUT', { 'if-match': '*' }, V, false), 412)
})

test('answers 412 to If-Unmodified-Since before Last-Modified, ignored under If-Match', () => {
  assert.equal(evaluateConditionals('GET', { 'if-unmodified-since': BEFORE }, V), 412)
  assert.equal(evaluateConditionals('GET', { 'if-unmodified-since': SAME }, V), 'proceed')
  assert.equal(evaluateConditionals('GET', { 'if-match': '"abc"', 'if-unmodified-since': BEFORE }, V), 'proceed')
})

test('checks If-Match before If-None-Match', () => {
  assert.equal(evaluateConditionals('GET', { 'if-match': '"nope"', 'if-none-match': '"abc"' }, V), 412)
})

test('If-Range holds for a strong matching tag or the exact date only', () => {
  assert.ok(ifRangeHolds(undefined, V))
  assert.ok(ifRangeHolds('"abc"', V))
  assert.ok(!ifRangeHolds('"old"', V))
  assert.ok(!ifRangeHolds('W/"abc"', { etag: 'W/"abc"' }))
  assert.ok(ifRangeHolds(SAME, V))
  assert.ok(!ifRangeHolds(BEFORE, V))
  assert.ok(!ifRangeHolds('garbage', V))
})
