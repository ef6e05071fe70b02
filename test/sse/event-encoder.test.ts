import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { encodeComment, encodeEvent, encodeEventText, encodeRetry } from '../../src/sse/event-encoder.js'
import { SseStreamParser, type ParsedSseEvent } from '../../src/sse/stream-parser.js'
import { isPorticoError } from '../../src/errors.js'

function roundTrip(bytes: Uint8Array): ParsedSseEvent[] {
  const out: ParsedSseEvent[] = []
  new SseStreamParser({ onEvent: (ev) => out.push(ev) }).push(bytes)
  return out
}

describe('SSE event encoder', () => {
  it('writes event, id and data fields ending in a blank line', () => {
    assert.equal(encodeEventText({ event: 'tick', id: '7', data: 'hello' }), 'event: tick\nid: 7\ndata: hello\n\n')
  })

  it('omits the event field for the default type', () => {
    assert.equal(encodeEventText({ data: 'x' }), 'data: x\n\n')
    assert.equal(encodeEventText({ event: '', data: 'x' }), 'data: x\n\n')
  })

  it('splits multi-line data on CRLF, CR and LF into data lines', () => {
    assert.equal(encodeEventText({ data: 'a\r\nb\rc\nd' }), 'data: a\ndata: b\ndata: c\ndata: d\n\n')
    assert.equal(encodeEventText({ data: 'a\n' }), 'data: a\ndata: \n\n')
  })

  it('sends empty data as one empty data line so the event still dispatches', () => {
    assert.equal(encodeEventText({ event: 'ping' }), 'event: ping\ndata: \n\n')
    assert.deepEqual(roundTrip(encodeEvent({ event: 'ping' })), [{ type: 'ping', data: '', lastEventId: '' }])
  })

  it('sends non-string data as JSON', () => {
    assert.equal(encodeEventText({ data: { a: [1, 2] } }), 'data: {"a":[1,2]}\n\n')
  })

  it('keeps a leading space of the data through a parser', () => {
    assert.deepEqual(roundTrip(encodeEvent({ data: '  two spaces' }))[0].data, '  two spaces')
  })

  it('encodes UTF-8 and round-trips through the parser', () => {
    const data = 'héllo 😀\nこんにちは'
    const bytes = encodeEvent({ event: 'ünï', id: 'ïd', data })
    assert.deepEqual(roundTrip(bytes), [{ type: 'ünï', data, lastEventId: 'ïd' }])
  })

  it('rejects an event type with CR or LF', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\r\n']) {
      assert.throws(() => encodeEvent({ event: bad, data: 'x' }), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_INVALID_FIELD'))
    }
  })

  it('rejects an id with CR, LF or NUL', () => {
    for (const bad of ['1\n', '1\r2', 'a\0b']) {
      assert.throws(() => encodeEvent({ id: bad, data: 'x' }), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_INVALID_FIELD'))
    }
  })

  it('sends an empty id as a bare id line that resets the last event id', () => {
    assert.equal(encodeEventText({ id: '', data: 'x' }), 'id\ndata: x\n\n')
  })

  it('encodes retry and rejects a negative or fractional one', () => {
    assert.equal(encodeRetry(2500).toString(), 'retry: 2500\n')
    assert.equal(encodeEventText({ retry: 0, data: 'x' }), 'retry: 0\ndata: x\n\n')
    for (const bad of [-1, 1.5, NaN, Infinity]) {
      assert.throws(() => encodeRetry(bad), (e) => isPorticoError(e, 'PORTICO_ERR_SSE_INVALID_RETRY'))
    }
  })

  it('encodes comments, one line each, ignored by the parser', () => {
    assert.equal(encodeComment().toString(), ':\n')
    assert.equal(encodeComment('a\nb').toString(), ': a\n: b\n')
    assert.deepEqual(roundTrip(Buffer.concat([encodeComment('x\ny'), encodeEvent({ data: 'd' })])), [
      { type: 'message', data: 'd', lastEventId: '' },
    ])
  })
})
