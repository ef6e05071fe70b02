import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  CHUNK_END,
  chunkHeader,
  encodeChunk,
  getHeader,
  getHeaderAll,
  hasToken,
  httpDate,
  lastChunk,
  splitTokens,
  validateHeaderName,
  validateHeaderValue,
  writeRequestHead,
  writeResponseHead,
} from '../../src/http1/index.js'

describe('head writer', () => {
  it('writes a status line with the registered reason and the fields in order', () => {
    assert.equal(writeResponseHead(200, undefined, ['Content-Length', '2', 'X-A', 'b']), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\n')
    assert.equal(writeResponseHead(431, undefined, []), 'HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n')
    assert.equal(writeResponseHead(299, undefined, []), 'HTTP/1.1 299 Unknown\r\n\r\n')
    assert.equal(writeResponseHead(200, 'Fine', []), 'HTTP/1.1 200 Fine\r\n\r\n')
  })

  it('writes a request line', () => {
    assert.equal(writeRequestHead('GET', '/x?y=1', ['Host', 'a']), 'GET /x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n')
  })

  it('refuses header names that are not tokens and values with CR, LF or NUL', () => {
    validateHeaderName('X-Request-Id')
    assert.throws(() => validateHeaderName('X Id'), { code: 'PORTICO_ERR_INVALID_HEADER_INPUT' })
    assert.throws(() => validateHeaderName(''), { code: 'PORTICO_ERR_INVALID_HEADER_INPUT' })
    assert.throws(() => validateHeaderName('Ä'), { code: 'PORTICO_ERR_INVALID_HEADER_INPUT' })
    validateHeaderValue('X', 'a b\tc é')
    assert.throws(() => validateHeaderValue('Location', '/x\r\nSet-Cookie: a=b'), { code: 'PORTICO_ERR_INVALID_HEADER_INPUT' })
    assert.throws(() => validateHeaderValue('X', 'a\x00'), { code: 'PORTICO_ERR_INVALID_HEADER_INPUT' })
    assert.throws(() => validateHeaderValue('X', '\u2603'), { code: 'PORTICO_ERR_INVALID_HEADER_INPUT' })
  })
})

describe('date cache', () => {
  it('gives an IMF-fixdate of now, the same string within a second', () => {
    const d = httpDate()
    assert.match(d, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/)
    assert.ok(Math.abs(Date.parse(d) - Date.now()) < 2000)
    const again = httpDate()
    assert.ok(again === d || Date.parse(again) - Date.parse(d) === 1000)
  })
})

describe('chunked encoder', () => {
  it('frames chunks in hexadecimal and ends with the last chunk and trailers', () => {
    assert.equal(chunkHeader(26), '1a\r\n')
    assert.equal(CHUNK_END, '\r\n')
    assert.equal(encodeChunk(Buffer.from('hello')).toString(), '5\r\nhello\r\n')
    assert.equal(encodeChunk(Buffer.alloc(0)).length, 0)
    assert.equal(lastChunk(), '0\r\n\r\n')
    assert.equal(lastChunk(['Server-Timing', 'x;dur=1', 'A', 'b']), '0\r\nServer-Timing: x;dur=1\r\nA: b\r\n\r\n')
  })
})

describe('header helpers', () => {
  it('looks fields up case-insensitively in flat lists', () => {
    const raw = ['Host', 'a', 'content-type', 'text/plain', 'Via', '1', 'via', '2']
    assert.equal(getHeader(raw, 'Content-Type'), 'text/plain')
    assert.equal(getHeader(raw, 'x'), undefined)
    assert.deepEqual(getHeaderAll(raw, 'VIA'), ['1', '2'])
  })

  it('splits comma-separated lists and finds tokens', () => {
    assert.deepEqual(splitTokens(' keep-alive , Upgrade,,'), ['keep-alive', 'Upgrade'])
    assert.deepEqual(splitTokens(''), [])
    assert.equal(hasToken('keep-alive, Upgrade', 'upgrade'), true)
    assert.equal(hasToken('keep-alive', 'close'), false)
  })
})
