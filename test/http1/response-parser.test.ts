import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ResponseParser } from '../../src/http1/index.js'
import { parseResponses } from './feed.js'

describe('ResponseParser', () => {
  it('parses the status line, headers and a Content-Length body', () => {
    const o = parseResponses('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nnope')
    const m = o.messages[0]
    assert.equal(m.head.statusCode, 404)
    assert.equal(m.head.statusMessage, 'Not Found')
    assert.equal(m.head.get('content-type'), 'text/plain')
    assert.equal(m.body, 'nope')
    assert.equal(m.complete, true)
    assert.equal(m.head.keepAlive, true)
  })

  it('keeps an empty or missing reason phrase empty', () => {
    assert.equal(parseResponses('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n').messages[0].head.statusMessage, '')
    assert.equal(parseResponses('HTTP/1.1 204\r\n\r\n').messages[0].head.statusMessage, '')
  })

  it('reads a body until close and completes it on finish()', () => {
    const o = parseResponses('HTTP/1.1 200 OK\r\n\r\nall of it', { finish: true })
    assert.equal(o.messages[0].body, 'all of it')
    assert.equal(o.messages[0].complete, true)
    assert.equal(o.messages[0].head.keepAlive, false)
  })

  it('reads until close when the last transfer coding is not chunked', () => {
    const o = parseResponses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nab', { finish: true })
    assert.equal(o.messages[0].head.chunked, false)
    assert.equal(o.messages[0].body, '2\r\nab')
  })

  it('reads chunked bodies with trailers', () => {
    const o = parseResponses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nServer-Timing: db;dur=3\r\n\r\n')
    assert.equal(o.messages[0].body, 'abc')
    assert.deepEqual(o.messages[0].trailers, ['Server-Timing', 'db;dur=3'])
  })

  it('gives no body to 1xx, 204, 304 and to the answer of a HEAD request', () => {
    const o = parseResponses(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx',
    )
    assert.deepEqual(o.messages.map((m) => [m.head.statusCode, m.body, m.complete]), [[100, '', true], [204, '', true], [304, '', true], [200, 'x', true]])
    const head = parseResponses('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 200 OK\r\n\r\n', { skipBody: true })
    assert.equal(head.messages.length, 2)
    assert.equal(head.messages[0].complete, true)
    assert.equal(head.messages[1].head.keepAlive, true)
  })

  it('stops at 101 and returns where the new protocol starts', () => {
    const head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'
    const o = parseResponses(head + '\x81\x00')
    assert.equal(o.upgradedAt, head.length)
    assert.equal(o.messages[0].head.upgrade, true)
  })

  it('refuses malformed status lines', () => {
    assert.equal(parseResponses('HTTP/1.1 20 OK\r\n\r\n').error?.code, 'PORTICO_ERR_INVALID_STATUS')
    assert.equal(parseResponses('HTTP/1.1  200 OK\r\n\r\n').error?.code, 'PORTICO_ERR_INVALID_STATUS')
    assert.equal(parseResponses('HTTP/1.1 2000 OK\r\n\r\n').error?.code, 'PORTICO_ERR_INVALID_STATUS')
    assert.equal(parseResponses('HTTP/2.0 200 OK\r\n\r\n').error?.code, 'PORTICO_ERR_VERSION_NOT_SUPPORTED')
    assert.equal(parseResponses('HTTP/1.1 200 OK\nA: b\r\n\r\n').error?.code, 'PORTICO_ERR_LF_EXPECTED')
    assert.equal(parseResponses('HTTP/1.1 200 OK\r\rA: b\r\n\r\n').error?.code, 'PORTICO_ERR_BARE_CR')
  })

  it('refuses Content-Length with Transfer-Encoding in a response too', () => {
    const o = parseResponses('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n')
    assert.equal(o.error?.code, 'PORTICO_ERR_CONTENT_LENGTH_AND_TRANSFER_ENCODING')
  })

  it('answers finish() in the middle of a Content-Length body with PORTICO_ERR_INVALID_EOF', () => {
    const parser = new ResponseParser({ onHead() {}, onBody() {}, onComplete() {} })
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'))
    assert.throws(() => parser.finish(), { code: 'PORTICO_ERR_INVALID_EOF' })
  })
})
