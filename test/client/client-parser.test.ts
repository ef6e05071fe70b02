import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ClientResponseParser } from '../../src/client/client-parser.js'

describe('ClientResponseParser', () => {
  it('halts at the end of the final response, not at an interim 1xx, and resume() reads the next', () => {
    const interim = 'HTTP/1.1 100 Continue\r\n\r\n'
    const final = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: 1\r\n\r\n'
    const seen: string[] = []
    const parser = new ClientResponseParser({
      onHead: (h) => void seen.push(`head ${h.statusCode}`),
      onBody: (c) => void seen.push(`body ${c.toString()}`),
      onTrailers: (t) => void seen.push(`trailers ${t.join(':')}`),
      onComplete: () => void seen.push(`complete halted=${parser.halted}`),
    })
    const bytes = Buffer.from(interim + final + 'HTTP/1.1 204 No Content\r\n\r\n')
    const used = parser.execute(bytes)
    assert.equal(used, interim.length + final.length)
    assert.deepEqual(seen, ['head 100', 'complete halted=false', 'head 200', 'body x', 'trailers X-T:1', 'complete halted=true'])
    parser.resume()
    assert.equal(parser.execute(bytes.subarray(used)), bytes.length - used)
    assert.equal(parser.halted, true)
    assert.equal(seen.at(-2), 'head 204')
  })

  it('stops at a 101 with the new protocol bytes left unparsed', () => {
    const head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n'
    const parser = new ClientResponseParser({ onHead: () => {}, onBody: () => {}, onComplete: () => {} })
    assert.equal(parser.execute(Buffer.from(head + 'HTTP/1.1 200 OK\r\n\r\n')), head.length)
    assert.equal(parser.upgraded, true)
  })
})
