import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HttpParseError } from '../../src/errors.js'
import { RequestParser } from '../../src/http1/index.js'
import { parseRequests } from './feed.js'

const GET = 'GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n'

function rejects(input: string, code: string, status: number, offset?: number, opts = {}): void {
  const o = parseRequests(input, opts)
  assert.ok(o.error, `expected ${code}, got no error`)
  assert.equal(o.error.code, code)
  assert.equal(o.error.status, status)
  if (offset !== undefined) assert.equal(o.error.offset, offset)
}

describe('RequestParser: messages', () => {
  it('parses method, target, version and headers in wire order with their case', () => {
    const o = parseRequests(GET)
    assert.equal(o.error, null)
    assert.equal(o.messages.length, 1)
    const h = o.messages[0].head
    assert.equal(h.method, 'GET')
    assert.equal(h.url, '/a?b=1')
    assert.equal(h.httpVersion, '1.1')
    assert.deepEqual(h.rawHeaders, ['Host', 'example.com', 'Accept', '*/*'])
    assert.equal(h.get('HOST'), 'example.com')
    assert.equal(h.get('missing'), undefined)
    assert.equal(o.messages[0].complete, true)
  })

  it('strips the whitespace around field values', () => {
    const o = parseRequests('GET / HTTP/1.1\r\nX-A: \t v \t\r\nX-B:\r\n\r\n')
    assert.deepEqual(o.messages[0].head.rawHeaders, ['X-A', 'v', 'X-B', ''])
  })

  it('joins repeated fields with a comma but returns the first Set-Cookie', () => {
    const o = parseRequests('GET / HTTP/1.1\r\nVia: a\r\nvia: b\r\nSet-Cookie: x=1\r\nSet-Cookie: y=2\r\n\r\n')
    const h = o.messages[0].head
    assert.equal(h.get('via'), 'a, b')
    assert.equal(h.get('set-cookie'), 'x=1')
    assert.deepEqual(h.getAll('Set-Cookie'), ['x=1', 'y=2'])
  })

  it('reads a Content-Length body and hands out views of the input', () => {
    const o = parseRequests('POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello')
    assert.equal(o.messages[0].head.contentLength, 5)
    assert.equal(o.messages[0].body, 'hello')
    assert.equal(o.messages[0].complete, true)
    let seen: Buffer | undefined
    const input = Buffer.from('POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello')
    new RequestParser({ onHead() {}, onBody(b) { seen = b }, onComplete() {} }).execute(input)
    assert.equal(seen!.buffer, input.buffer)
  })

  it('reads a chunked body with extensions and trailers', () => {
    const o = parseRequests('POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;a=1;b;c="x;\\"y"\r\nhello\r\n1\r\n!\r\n0\r\nExpires: never\r\n\r\n')
    const m = o.messages[0]
    assert.equal(m.head.chunked, true)
    assert.equal(m.body, 'hello!')
    assert.deepEqual(m.chunks, [[5, [['a', '1'], ['b', null], ['c', '"x;\\"y"']]], [1, []], [0, []]])
    assert.deepEqual(m.trailers, ['Expires', 'never'])
    assert.equal(m.complete, true)
  })

  it('parses pipelined requests in one buffer, CRLFs between them ignored', () => {
    const o = parseRequests(GET + 'POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nok\r\n' + GET)
    assert.deepEqual(o.messages.map((m) => [m.head.method, m.body, m.complete]), [['GET', '', true], ['POST', 'ok', true], ['GET', '', true]])
  })

  it('decides keep-alive per RFC 9112 §9.3', () => {
    const ka = (s: string): boolean => parseRequests(s).messages[0].head.keepAlive
    assert.equal(ka('GET / HTTP/1.1\r\n\r\n'), true)
    assert.equal(ka('GET / HTTP/1.1\r\nConnection: Close\r\n\r\n'), false)
    assert.equal(ka('GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n'), false)
    assert.equal(ka('GET / HTTP/1.0\r\n\r\n'), false)
    assert.equal(ka('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n'), true)
  })

  it('flags Expect: 100-continue on HTTP/1.1 only', () => {
    assert.equal(parseRequests('PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx').messages[0].head.expectContinue, true)
    assert.equal(parseRequests('PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n').messages[0].head.expectContinue, false)
  })

  it('stops at an Upgrade request and returns where the other protocol starts', () => {
    const head = 'GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'
    const o = parseRequests(head + '\x81\x05hello')
    assert.equal(o.upgradedAt, head.length)
    assert.equal(o.messages[0].head.upgrade, true)
    assert.equal(o.messages[0].complete, true)
  })

  it('stops after CONNECT and after the HTTP/2 preface', () => {
    const connect = 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'
    assert.equal(parseRequests(connect + 'TLS').upgradedAt, connect.length)
    const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
    const parser = new RequestParser({ onHead() { assert.fail('no head for the preface') }, onBody() {}, onComplete() {} })
    assert.equal(parser.execute(Buffer.from(preface + '\x00\x00')), preface.length)
    assert.equal(parser.upgraded, true)
    assert.equal(parser.h2Preface, true)
    assert.equal(parser.execute(Buffer.from('more')), 0)
  })

  it('answers finish() mid-message with PORTICO_ERR_INVALID_EOF and is fine between messages', () => {
    assert.equal(parseRequests(GET, { finish: true }).error, null)
    assert.equal(parseRequests('PUT / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc', { finish: true }).error?.code, 'PORTICO_ERR_INVALID_EOF')
  })

  it('is unusable after an error until reset()', () => {
    const parser = new RequestParser({ onHead() {}, onBody() {}, onComplete() {} })
    assert.throws(() => parser.execute(Buffer.from('get / HTTP/1.1\r\n\r\n')), HttpParseError)
    assert.throws(() => parser.execute(Buffer.from(GET)), { code: 'PORTICO_ERR_PARSER_STATE' })
    parser.reset()
    assert.equal(parser.execute(Buffer.from(GET)), GET.length)
  })
})

describe('RequestParser: strictness', () => {
  it('refuses a bare CR in a field value and after the request line', () => {
    rejects('GET / HTTP/1.1\r\nA: x\ry\r\n\r\n', 'PORTICO_ERR_BARE_CR', 400, 21)
    rejects('GET / HTTP/1.1\rA: x\r\n\r\n', 'PORTICO_ERR_BARE_CR', 400, 15)
  })

  it('refuses a bare LF as a line end', () => {
    rejects('GET / HTTP/1.1\r\nA: x\nB: y\r\n\r\n', 'PORTICO_ERR_LF_EXPECTED', 400, 20)
  })

  it('refuses obs-fold', () => {
    rejects('GET / HTTP/1.1\r\nA: x\r\n  y\r\n\r\n', 'PORTICO_ERR_OBS_FOLD', 400, 22)
  })

  it('refuses whitespace between a field name and the colon', () => {
    rejects('GET / HTTP/1.1\r\nHost : x\r\n\r\n', 'PORTICO_ERR_WHITESPACE_BEFORE_COLON', 400, 21)
  })

  it('refuses invalid characters in names and values', () => {
    rejects('GET / HTTP/1.1\r\nA@b: x\r\n\r\n', 'PORTICO_ERR_INVALID_HEADER_TOKEN', 400, 17)
    rejects('GET / HTTP/1.1\r\nA: x\x00y\r\n\r\n', 'PORTICO_ERR_INVALID_HEADER_VALUE', 400, 20)
    rejects('GET / HTTP/1.1\r\nA: x\x7fy\r\n\r\n', 'PORTICO_ERR_INVALID_HEADER_VALUE', 400, 20)
    rejects('GET /\x01 HTTP/1.1\r\n\r\n', 'PORTICO_ERR_INVALID_URL', 400, 5)
    rejects('GET /\xff HTTP/1.1\r\n\r\n', 'PORTICO_ERR_INVALID_URL', 400, 5)
  })

  it('refuses unknown or lower-case methods with 501', () => {
    rejects('BREW /pot HTTP/1.1\r\n\r\n', 'PORTICO_ERR_INVALID_METHOD', 501, 1)
    rejects('get / HTTP/1.1\r\n\r\n', 'PORTICO_ERR_INVALID_METHOD', 501, 0)
    rejects('MKCOLA / HTTP/1.1\r\n\r\n', 'PORTICO_ERR_INVALID_METHOD', 501, 5)
  })

  it('refuses Content-Length together with Transfer-Encoding, in either order', () => {
    rejects('POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 'PORTICO_ERR_CONTENT_LENGTH_AND_TRANSFER_ENCODING', 400)
    rejects('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n', 'PORTICO_ERR_CONTENT_LENGTH_AND_TRANSFER_ENCODING', 400)
  })

  it('refuses repeated, malformed or overflowing Content-Length', () => {
    rejects('POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx', 'PORTICO_ERR_INVALID_CONTENT_LENGTH', 400)
    rejects('POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx', 'PORTICO_ERR_INVALID_CONTENT_LENGTH', 400)
    rejects('POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx', 'PORTICO_ERR_INVALID_CONTENT_LENGTH', 400)
    rejects('POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'PORTICO_ERR_INVALID_CONTENT_LENGTH', 400)
    rejects('POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n', 'PORTICO_ERR_INVALID_CONTENT_LENGTH', 400)
    rejects('POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n', 'PORTICO_ERR_INVALID_CONTENT_LENGTH', 400)
    rejects('POST / HTTP/1.1\r\nContent-Length:\r\n\r\n', 'PORTICO_ERR_INVALID_CONTENT_LENGTH', 400)
    rejects('POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n', 'PORTICO_ERR_INVALID_CONTENT_LENGTH', 400)
    rejects('POST / HTTP/1.1\r\nContent-Length: 9007199254740992\r\n\r\n', 'PORTICO_ERR_INVALID_CONTENT_LENGTH', 400)
  })

  it('refuses a request whose last transfer coding is not chunked (400) and unknown codings (501)', () => {
    rejects('POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 'PORTICO_ERR_INVALID_TRANSFER_ENCODING', 400)
    rejects('POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 'PORTICO_ERR_INVALID_TRANSFER_ENCODING', 400)
    rejects('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 'PORTICO_ERR_INVALID_TRANSFER_ENCODING', 400)
    rejects('POST / HTTP/1.1\r\nTransfer-Encoding: pigeons, chunked\r\n\r\n', 'PORTICO_ERR_UNSUPPORTED_TRANSFER_CODING', 501)
  })

  it('refuses malformed and overflowing chunk sizes', () => {
    const te = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'
    rejects(te + 'g\r\n', 'PORTICO_ERR_INVALID_CHUNK_SIZE', 400, te.length)
    rejects(te + '5 \r\nhello\r\n0\r\n\r\n', 'PORTICO_ERR_INVALID_CHUNK_SIZE', 400, te.length + 2)
    rejects(te + '-1\r\n', 'PORTICO_ERR_INVALID_CHUNK_SIZE', 400, te.length)
    rejects(te + 'fffffffffffffffffff\r\n', 'PORTICO_ERR_CHUNK_SIZE_OVERFLOW', 413)
  })

  it('refuses chunk data not followed by CRLF and bad chunk-size line ends', () => {
    const te = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'
    rejects(te + '2\r\nabc\r\n', 'PORTICO_ERR_INVALID_CHUNK_TERMINATOR', 400, te.length + 5)
    rejects(te + '2\r\nab\n0\r\n\r\n', 'PORTICO_ERR_INVALID_CHUNK_TERMINATOR', 400, te.length + 5)
    rejects(te + '2\rab\r\n', 'PORTICO_ERR_BARE_CR', 400, te.length + 2)
    rejects(te + '2;\r\nab\r\n', 'PORTICO_ERR_INVALID_CHUNK_EXTENSION', 400)
    rejects(te + '2;a="x\r\nab\r\n', 'PORTICO_ERR_INVALID_CHUNK_EXTENSION', 400)
  })

  it('answers 505 to versions it does not speak', () => {
    rejects('GET / HTTP/1.2\r\n\r\n', 'PORTICO_ERR_VERSION_NOT_SUPPORTED', 505, 14)
    rejects('GET / HTTP/2.0\r\n\r\n', 'PORTICO_ERR_VERSION_NOT_SUPPORTED', 505, 14)
    rejects('GET / HTTP/3.0\r\n\r\n', 'PORTICO_ERR_VERSION_NOT_SUPPORTED', 505, 14)
    rejects('GET / RTSP/1.0\r\n\r\n', 'PORTICO_ERR_VERSION_NOT_SUPPORTED', 505, 10)
    rejects('GET / HTTP/11\r\n\r\n', 'PORTICO_ERR_INVALID_VERSION', 400, 12)
  })

  it('refuses data after a message that closes the connection', () => {
    rejects('GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n', 'PORTICO_ERR_DATA_AFTER_CLOSE', 400, 38)
  })
})

describe('RequestParser: limits', () => {
  it('answers 431 when the head passes maxHeaderSize', () => {
    const big = 'GET / HTTP/1.1\r\nX: ' + 'a'.repeat(16 * 1024) + '\r\n\r\n'
    rejects(big, 'PORTICO_ERR_HEADERS_TOO_LARGE', 431, 16 * 1024, { step: 4099 })
    rejects('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(100) + '\r\n\r\n', 'PORTICO_ERR_HEADERS_TOO_LARGE', 431, 64, { limits: { maxHeaderSize: 64 } })
    assert.equal(parseRequests('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(16000) + '\r\n\r\n', { step: 4099 }).error, null)
  })

  it('answers 414 when the request-target passes maxUrlLength', () => {
    rejects('GET /' + 'a'.repeat(8 * 1024) + ' HTTP/1.1\r\n\r\n', 'PORTICO_ERR_URI_TOO_LONG', 414, 4 + 8 * 1024, { step: 2049 })
    rejects('GET /abcdef HTTP/1.1\r\n\r\n', 'PORTICO_ERR_URI_TOO_LONG', 414, 8, { limits: { maxUrlLength: 4 } })
    assert.equal(parseRequests('GET /abc HTTP/1.1\r\n\r\n', { limits: { maxUrlLength: 4 } }).error, null)
  })

  it('answers 431 past maxHeaderCount fields, and counts trailers apart', () => {
    const fields = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: ${i}\r\n`).join('')
    assert.equal(parseRequests(`GET / HTTP/1.1\r\n${fields(100)}\r\n`, { step: 97 }).error, null)
    rejects(`GET / HTTP/1.1\r\n${fields(101)}\r\n`, 'PORTICO_ERR_TOO_MANY_HEADERS', 431, undefined, { step: 97 })
    rejects(`GET / HTTP/1.1\r\n${fields(3)}\r\n`, 'PORTICO_ERR_TOO_MANY_HEADERS', 431, undefined, { limits: { maxHeaderCount: 2 } })
    const te = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nA: 1\r\n\r\n0\r\n'
    assert.equal(parseRequests(te + 'C: 3\r\nD: 4\r\n\r\n', { limits: { maxHeaderCount: 2 } }).error, null)
    rejects(te + 'C: 3\r\nD: 4\r\nE: 5\r\n\r\n', 'PORTICO_ERR_TOO_MANY_HEADERS', 431, undefined, { limits: { maxHeaderCount: 2 } })
  })

  it('bounds the chunk extensions of one chunk-size line', () => {
    const te = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'
    assert.equal(parseRequests(te + '1;' + 'a'.repeat(30) + '\r\nx\r\n0\r\n\r\n', { limits: { maxChunkExtensionSize: 40 } }).error, null)
    rejects(te + '1;' + 'a'.repeat(50) + '\r\nx\r\n0\r\n\r\n', 'PORTICO_ERR_CHUNK_EXTENSIONS_TOO_LARGE', 400, undefined, { limits: { maxChunkExtensionSize: 40 } })
  })
})

describe('RequestParser: framing', () => {
  it('closes after a chunked HTTP/1.0 request (RFC 9112 §6.1)', () => {
    const o = parseRequests('POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n')
    assert.equal(o.messages[0].body, 'x')
    assert.equal(o.messages[0].head.keepAlive, false)
  })

  it('reads the body of an Upgrade request before stopping', () => {
    const head = 'POST /up HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 3\r\n\r\n'
    const o = parseRequests(head + 'abcNEXT')
    assert.equal(o.messages[0].body, 'abc')
    assert.equal(o.upgradedAt, head.length + 3)
  })

  it('keeps a head split across calls intact, whatever the cut', () => {
    const o = parseRequests('PUT /x HTTP/1.1\r\nHost: h\r\nX-Long: ' + 'v'.repeat(300) + '\r\nContent-Length: 2\r\n\r\nok')
    assert.equal(o.messages[0].head.get('x-long'), 'v'.repeat(300))
    assert.equal(o.messages[0].body, 'ok')
  })
})
