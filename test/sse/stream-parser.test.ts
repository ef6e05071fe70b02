import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SseStreamParser, type ParsedSseEvent } from '../../src/sse/stream-parser.js'
import { isPorticoError } from '../../src/errors.js'

interface Result {
  events: ParsedSseEvent[]
  retries: number[]
  comments: string[]
}

function parseSplits(input: Buffer, splits: number[]): Result {
  const r: Result = { events: [], retries: [], comments: [] }
  const p = new SseStreamParser({
    onEvent: (ev) => r.events.push(ev),
    onRetry: (ms) => r.retries.push(ms),
    onComment: (c) => r.comments.push(c),
  })
  let at = 0
  for (const s of [...splits, input.length]) {
    p.push(input.subarray(at, s))
    at = s
  }
  return r
}

/** Parses in one piece, then split at every offset and in single bytes; all must agree. */
function parseEverySplit(text: string | Buffer): Result {
  const input = typeof text === 'string' ? Buffer.from(text, 'utf8') : text
  const whole = parseSplits(input, [])
  for (let i = 1; i < input.length; i++) assert.deepEqual(parseSplits(input, [i]), whole, `split at ${i}`)
  const bytes = Array.from({ length: input.length }, (_, i) => i)
  assert.deepEqual(parseSplits(input, bytes), whole, 'byte by byte')
  return whole
}

const ev = (data: string, type = 'message', lastEventId = ''): ParsedSseEvent => ({ type, data, lastEventId })

describe('SSE stream parser', () => {
  it('dispatches an event on a blank line, with type and data', () => {
    assert.deepEqual(parseEverySplit('event: add\ndata: 73857293\n\n').events, [ev('73857293', 'add')])
  })

  it('accepts CRLF, CR and LF line ends, mixed', () => {
    const r = parseEverySplit('data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r')
    assert.deepEqual(r.events, [ev('a\nb\nc'), ev('d')])
  })

  it('drops a leading BOM once, not a second one', () => {
    const r = parseEverySplit(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: x\n\n\ufeffdata: y\n\n')]))
    assert.deepEqual(r.events, [ev('x')])
  })

  it('joins data lines with LF and keeps an empty data field', () => {
    const r = parseEverySplit('data\n\ndata\ndata\n\ndata:\n\n')
    assert.deepEqual(r.events, [ev(''), ev('\n'), ev('')])
  })

  it('strips exactly one space after the colon', () => {
    assert.deepEqual(parseEverySplit('data:test\n\ndata:  test\n\n').events, [ev('test'), ev(' test')])
  })

  it('does not dispatch a block without data, nor an unfinished event at the end', () => {
    const r = parseEverySplit('event: x\n\nid: 5\n\ndata: tail')
    assert.deepEqual(r.events, [])
  })

  it('keeps the last event id across events and resets it with an empty id', () => {
    const r = parseEverySplit('id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n')
    assert.deepEqual(r.events, [ev('a', 'message', '1'), ev('b', 'message', '1'), ev('c', 'message', '')])
  })

  it('ignores an id containing NUL', () => {
    const r = parseEverySplit('id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n')
    assert.deepEqual(r.events.map((e) => e.lastEventId), ['1', '1'])
  })

  it('accepts only ASCII-digit retry values', () => {
    assert.deepEqual(parseEverySplit('retry: 1000\nretry: 1.5\nretry: x\nretry:\nretry: 07\n').retries, [1000, 7])
  })

  it('ignores unknown fields and reports comments', () => {
    const r = parseEverySplit(': hello\n:\nfoo: bar\nDATA: no\ndata: yes\n\n')
    assert.deepEqual(r.events, [ev('yes')])
    assert.deepEqual(r.comments, ['hello', ''])
  })

  it('decodes UTF-8 sequences split across chunks', () => {
    assert.deepEqual(parseEverySplit('data: 😀 é\n\n').events, [ev('😀 é')])
  })

  it('starts over on reset but keeps the last event id', () => {
    const events: ParsedSseEvent[] = []
    const p = new SseStreamParser({ onEvent: (e) => events.push(e) })
    p.push(Buffer.from('id: 9\ndata: a\n\ndata: half'))
    p.reset()
    p.push(Buffer.from('data: b\n\n'))
    assert.deepEqual(events, [ev('a', 'message', '9'), ev('b', 'message', '9')])
    assert.equal(p.lastEventId, '9')
  })
})

describe('SSE stream parser limits', () => {
  it('throws PORTICO_ERR_SSE_EVENT_TOO_LARGE when a partial line passes maxEventSize', () => {
    const p = new SseStreamParser({ onEvent: () => {} }, { maxEventSize: 16 })
    p.push(Buffer.from('data: 0123456'))
    assert.throws(() => p.push(Buffer.from('789abcdef')), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_EVENT_TOO_LARGE'))
  })

  it('throws when one complete line is longer than maxEventSize, however it was split', () => {
    const p = new SseStreamParser({ onEvent: () => {} }, { maxEventSize: 8 })
    assert.throws(() => p.push(Buffer.from('data: 0123456789\n')), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_EVENT_TOO_LARGE'))
  })

  it("throws when an event's data lines together pass maxEventSize", () => {
    const p = new SseStreamParser({ onEvent: () => {} }, { maxEventSize: 10 })
    assert.throws(() => p.push(Buffer.from('data: 12345\ndata: 12345\n')), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_EVENT_TOO_LARGE'))
  })

  it('parses again after reset, and accepts lines up to the limit', () => {
    const events: ParsedSseEvent[] = []
    const p = new SseStreamParser({ onEvent: (e) => events.push(e) }, { maxEventSize: 12 })
    assert.throws(() => p.push(Buffer.from('x'.repeat(13))))
    p.reset()
    p.push(Buffer.from('data: 123456\n\n'))
    assert.deepEqual(events.map((e) => e.data), ['123456'])
  })
})
