import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseRange, planMultipart, contentRange } from '../../src/middleware/range.js'

test('parses a single closed range', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'ranges', ranges: [{ start: 0, end: 99 }] })
})

test('clamps last-pos to the end of the representation', () => {
  assert.deepEqual(parseRange('bytes=900-5000', 1000), { kind: 'ranges', ranges: [{ start: 900, end: 999 }] })
})

test('parses an open-ended range', () => {
  assert.deepEqual(parseRange('bytes=10-', 100), { kind: 'ranges', ranges: [{ start: 10, end: 99 }] })
})

test('parses a suffix range, whole representation when longer', () => {
  assert.deepEqual(parseRange('bytes=-10', 100), { kind: 'ranges', ranges: [{ start: 90, end: 99 }] })
  assert.deepEqual(parseRange('bytes=-500', 100), { kind: 'ranges', ranges: [{ start: 0, end: 99 }] })
})

test('parses several ranges in the client order, with OWS and empty members', () => {
  assert.deepEqual(parseRange('bytes= 50-59 , ,0-9', 100), {
    kind: 'ranges',
    ranges: [
      { start: 50, end: 59 },
      { start: 0, end: 9 },
    ],
  })
})

test('merges overlapping ranges', () => {
  assert.deepEqual(parseRange('bytes=0-10,5-20,30-40,35-', 50), {
    kind: 'ranges',
    ranges: [
      { start: 0, end: 20 },
      { start: 30, end: 49 },
    ],
  })
})

test('drops unsatisfiable members and keeps the rest', () => {
  assert.deepEqual(parseRange('bytes=200-300,0-0', 100), { kind: 'ranges', ranges: [{ start: 0, end: 0 }] })
})

test('is unsatisfiable when no member overlaps', () => {
  assert.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' })
  assert.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' })
  assert.deepEqual(parseRange('bytes=0-0', 0), { kind: 'unsatisfiable' })
})

test('ignores a suffix range on an empty representation', () => {
  assert.deepEqual(parseRange('bytes=-5', 0), { kind: 'none' })
})

test('ignores other units, invalid syntax and reversed ranges', () => {
  for (const h of ['items=0-1', 'bytes', 'bytes=', 'bytes=a-b', 'bytes=5-1', 'bytes=1-2-3', 'bytes=0x1-2', 'bytes=--5', '=0-1']) {
    assert.deepEqual(parseRange(h, 100), { kind: 'none' }, h)
  }
  assert.deepEqual(parseRange(undefined, 100), { kind: 'none' })
})

test('accepts the unit case-insensitively', () => {
  assert.equal(parseRange('Bytes=0-1', 10).kind, 'ranges')
})

test('ignores a header with more ranges than the limit', () => {
  const many = 'bytes=' + Array.from({ length: 40 }, (_, i) => `${i * 2}-${i * 2}`).join(',')
  assert.deepEqual(parseRange(many, 1000), { kind: 'none' })
  assert.equal(parseRange(many, 1000, { maxRanges: 50 }).kind, 'ranges')
})

test('formats Content-Range', () => {
  assert.equal(contentRange({ start: 0, end: 99 }, 1000), 'bytes 0-99/1000')
})

test('plans a multipart/byteranges body whose length is exact', () => {
  const data = Buffer.from('0123456789abcdefghij')
  const plan = planMultipart([{ start: 0, end: 1 }, { start: 10, end: 12 }], data.length, 'text/plain', 'XYZ')
  assert.equal(plan.contentType, 'multipart/byteranges; boundary=XYZ')
  const body = Buffer.concat([
    ...plan.parts.flatMap((p) => [Buffer.from(p.head), data.subarray(p.range.start, p.range.end + 1)]),
    Buffer.from(plan.trailer),
  ])
  assert.equal(body.length, plan.length)
  assert.equal(
    body.toString(),
    '--XYZ\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/20\r\n\r\n01' +
      '\r\n--XYZ\r\nContent-Type: text/plain\r\nContent-Range: bytes 10-12/20\r\n\r\nabc\r\n--XYZ--\r\n',
  )
})
