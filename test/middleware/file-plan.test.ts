import { test } from 'node:test'
import assert from 'node:assert/strict'
import { planFile } from '../../src/middleware/file-plan.js'

const FILE = { size: 1000, mtimeMs: Date.UTC(2024, 5, 1) }
const ETAG = '"3e8-18fd1189400"'
const header = (h: [string, string][], name: string): string | undefined => h.find(([k]) => k === name)?.[1]

test('plans a 200 with validators, type, length and Accept-Ranges', () => {
  const p = planFile('GET', {}, FILE, 'text/plain; charset=utf-8', { cacheControl: 'max-age=60' })
  assert.equal(p.status, 200)
  assert.deepEqual(p.headers, [
    ['ETag', ETAG],
    ['Last-Modified', 'Sat, 01 Jun 2024 00:00:00 GMT'],
    ['Cache-Control', 'max-age=60'],
    ['Accept-Ranges', 'bytes'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', '1000'],
  ])
  assert.ok('body' in p && p.body !== null && p.body.end === 999)
})

test('plans a 304 that keeps ETag, Last-Modified and Cache-Control only', () => {
  const p = planFile('GET', { 'if-none-match': ETAG }, FILE, 'text/plain', { cacheControl: 'no-cache' })
  assert.equal(p.status, 304)
  assert.deepEqual(p.headers.map(([k]) => k), ['ETag', 'Last-Modified', 'Cache-Control'])
})

test('plans a 412 for a failed If-Match', () => {
  assert.equal(planFile('GET', { 'if-match': '"other"' }, FILE, 'text/plain').status, 412)
})

test('plans a 206 with Content-Range for one range', () => {
  const p = planFile('GET', { range: 'bytes=-10' }, FILE, 'text/plain')
  assert.equal(p.status, 206)
  assert.equal(header(p.headers, 'Content-Range'), 'bytes 990-999/1000')
  assert.equal(header(p.headers, 'Content-Length'), '10')
})

test('plans a multipart 206 for several ranges', () => {
  const p = planFile('GET', { range: 'bytes=0-0,10-19' }, FILE, 'text/plain', {}, () => 'BND')
  assert.equal(p.status, 206)
  assert.ok('multipart' in p)
  assert.equal(header(p.headers, 'Content-Type'), 'multipart/byteranges; boundary=BND')
  assert.equal(header(p.headers, 'Content-Length'), String(p.multipart.length))
})

test('plans a 416 with Content-Range: bytes */size', () => {
  const p = planFile('GET', { range: 'bytes=1000-' }, FILE, 'text/plain')
  assert.equal(p.status, 416)
  assert.equal(header(p.headers, 'Content-Range'), 'bytes */1000')
})

test('ignores Range when If-Range does not hold, on HEAD, and when ranges are off', () => {
  assert.equal(planFile('GET', { range: 'bytes=0-1', 'if-range': '"stale"' }, FILE, 'x/y').status, 200)
  assert.equal(planFile('GET', { range: 'bytes=0-1', 'if-range': ETAG }, FILE, 'x/y').status, 206)
  assert.equal(planFile('HEAD', { range: 'bytes=0-1' }, FILE, 'x/y').status, 200)
  const off = planFile('GET', { range: 'bytes=0-1' }, FILE, 'x/y', { acceptRanges: false })
  assert.equal(off.status, 200)
  assert.equal(header(off.headers, 'Accept-Ranges'), undefined)
})

test('uses weak tags, variant suffixes, and none when asked', () => {
  assert.equal(header(planFile('GET', {}, FILE, 'x/y', { etag: 'weak', variant: 'br' }).headers, 'ETag'), 'W/"3e8-18fd1189400-br"')
  assert.equal(header(planFile('GET', {}, FILE, 'x/y', { etag: false, lastModified: false }).headers, 'ETag'), undefined)
})

test('plans an empty body for an empty file', () => {
  const p = planFile('GET', {}, { size: 0, mtimeMs: 0 }, 'x/y')
  assert.ok(p.status === 200 && 'body' in p && p.body === null)
})
