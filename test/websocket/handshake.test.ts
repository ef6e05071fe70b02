import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { computeAccept, negotiateHandshake, type HandshakeRequest } from '../../src/websocket/handshake.js'
import { parseExtensions, formatExtension } from '../../src/websocket/extension-header.js'
import { selectSubprotocol, parseSubprotocols } from '../../src/websocket/subprotocol.js'
import { decodeClosePayload, encodeClosePayload } from '../../src/websocket/close-frame.js'
import { isPorticoError } from '../../src/errors.js'
import { WebSocketError } from '../../src/websocket/ws-error.js'

const KEY = 'dGhlIHNhbXBsZSBub25jZQ=='

function request(headers: Record<string, string>, method = 'GET', httpVersion = '1.1'): HandshakeRequest {
  const base: Record<string, string> = {
    host: 'server.example.com',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': KEY,
    'sec-websocket-version': '13',
  }
  const all = { ...base, ...headers }
  for (const [k, v] of Object.entries(all)) if (v === '') delete all[k]
  return { method, httpVersion, header: (name) => all[name.toLowerCase()] }
}

describe('opening handshake, server side (RFC 6455 §4.2)', () => {
  it('§4.2.2: computes the RFC example Sec-WebSocket-Accept', () => {
    assert.equal(computeAccept(KEY), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
  })

  it('answers a valid request with 101 and the accept key', () => {
    const result = negotiateHandshake(request({}))
    assert.ok(result.ok)
    assert.match(result.response, /^HTTP\/1\.1 101 Switching Protocols\r\n/)
    assert.match(result.response, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/)
    assert.match(result.response, /\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n/)
    assert.ok(result.response.endsWith('\r\n\r\n'))
  })

  it('§4.2.1 item 1: refuses a method other than GET with 400', () => {
    const result = negotiateHandshake(request({}, 'POST'))
    assert.equal(result.ok ? 0 : result.status, 400)
  })

  it('§4.2.1 item 1: refuses HTTP/1.0 with 400', () => {
    const result = negotiateHandshake(request({}, 'GET', '1.0'))
    assert.equal(result.ok ? 0 : result.status, 400)
  })

  it('§4.2.1 item 2: refuses a request without Host with 400', () => {
    const result = negotiateHandshake(request({ host: '' }))
    assert.equal(result.ok ? 0 : result.status, 400)
  })

  it('§4.2.1 item 3: answers 426 when Upgrade does not name websocket', () => {
    const result = negotiateHandshake(request({ upgrade: 'h2c' }))
    assert.ok(!result.ok)
    assert.equal(result.status, 426)
    assert.match(result.response, /\r\nSec-WebSocket-Version: 13\r\n/)
  })

  it('§4.2.1 item 4: refuses a Connection without the upgrade token with 400, and accepts it in a list', () => {
    const bad = negotiateHandshake(request({ connection: 'keep-alive' }))
    assert.equal(bad.ok ? 0 : bad.status, 400)
    assert.ok(negotiateHandshake(request({ connection: 'keep-alive, Upgrade' })).ok)
  })

  it('§4.2.1 item 5: refuses a Sec-WebSocket-Key that is not 16 bytes of base64 with 400', () => {
    for (const key of ['', 'abc', 'dGhlIHNhbXBsZSBub25jZQ', 'dGhlIHNhbXBsZSBub25jZQ=', 'dGhlIHNhbXBsZSBub25jZR==', Buffer.alloc(17).toString('base64')]) {
      const result = negotiateHandshake(request({ 'sec-websocket-key': key }))
      assert.equal(result.ok ? 0 : result.status, 400, `key ${JSON.stringify(key)}`)
    }
  })

  it('§4.2.1 item 6 and §4.4: answers 426 with Sec-WebSocket-Version: 13 to another version', () => {
    for (const version of ['8', '14', '']) {
      const result = negotiateHandshake(request({ 'sec-websocket-version': version }))
      assert.ok(!result.ok)
      assert.equal(result.status, 426)
      assert.match(result.response, /\r\nSec-WebSocket-Version: 13\r\n/)
    }
  })

  it('§10.2: refuses an Origin outside the allowed list with 403', () => {
    const options = { origin: ['https://good.example'] }
    assert.ok(negotiateHandshake(request({ origin: 'https://good.example' }), options).ok)
    const bad = negotiateHandshake(request({ origin: 'https://evil.example' }), options)
    assert.equal(bad.ok ? 0 : bad.status, 403)
    const predicate = negotiateHandshake(request({}), { origin: (o) => o === undefined })
    assert.ok(predicate.ok)
  })

  it('§4.2.2: selects the first of the server preferences that the client offered', () => {
    const result = negotiateHandshake(request({ 'sec-websocket-protocol': 'chat, superchat' }), { protocols: ['superchat', 'chat'] })
    assert.ok(result.ok)
    assert.equal(result.protocol, 'superchat')
    assert.match(result.response, /\r\nSec-WebSocket-Protocol: superchat\r\n/)
  })

  it('§4.2.2: sends no Sec-WebSocket-Protocol when no offer matches', () => {
    const result = negotiateHandshake(request({ 'sec-websocket-protocol': 'mqtt' }), { protocols: ['chat'] })
    assert.ok(result.ok)
    assert.equal(result.protocol, undefined)
    assert.doesNotMatch(result.response, /Sec-WebSocket-Protocol/)
  })

  it('refuses a malformed Sec-WebSocket-Extensions with 400 when compression is enabled', () => {
    const result = negotiateHandshake(request({ 'sec-websocket-extensions': 'permessage-deflate; =x' }), { perMessageDeflate: true })
    assert.equal(result.ok ? 0 : result.status, 400)
  })

  it('ignores extension offers when permessage-deflate is not enabled', () => {
    const result = negotiateHandshake(request({ 'sec-websocket-extensions': 'permessage-deflate' }))
    assert.ok(result.ok)
    assert.equal(result.extensions, '')
  })
})

describe('Sec-WebSocket-Extensions grammar (RFC 6455 §9.1)', () => {
  it('parses several offers with bare, token and quoted parameters', () => {
    const offers = parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits="10", x-foo ;a=b')
    assert.equal(offers.length, 2)
    assert.deepEqual([...offers[0].params], [['client_max_window_bits', true], ['server_max_window_bits', '10']])
    assert.deepEqual([...offers[1].params], [['a', 'b']])
  })

  it('rejects malformed values', () => {
    for (const bad of ['permessage-deflate;', 'a b', 'a; b="c', 'a; b=""', 'a; b="c d"', 'a; b; b']) {
      assert.throws(() => parseExtensions(bad), (err) => isPorticoError(err, 'PORTICO_ERR_WS_EXTENSION'), bad)
    }
  })

  it('formats parameters back', () => {
    assert.equal(formatExtension('permessage-deflate', new Map<string, number | true>([['server_no_context_takeover', true], ['client_max_window_bits', 10]])), 'permessage-deflate; server_no_context_takeover; client_max_window_bits=10')
  })
})

describe('subprotocols (RFC 6455 §1.9)', () => {
  it('parses offers and lets a function choose among them only', () => {
    assert.deepEqual(parseSubprotocols('a, b,a'), ['a', 'b'])
    assert.equal(selectSubprotocol((offered) => offered[1], ['a', 'b']), 'b')
    assert.equal(selectSubprotocol(() => 'zzz', ['a', 'b']), undefined)
  })
})

describe('close frames (RFC 6455 §5.5.1, §7.4)', () => {
  it('encodes a code and a UTF-8 reason', () => {
    assert.equal(encodeClosePayload(1000, 'bye').toString('hex'), '03e8627965')
    assert.equal(encodeClosePayload(undefined).length, 0)
  })

  it('§7.4.1: refuses to send 1004, 1005, 1006, 1015, 999 and 5000', () => {
    for (const code of [999, 1004, 1005, 1006, 1015, 2000, 5000]) {
      assert.throws(() => encodeClosePayload(code), (err) => isPorticoError(err, 'PORTICO_ERR_WS_INVALID_CLOSE_CODE'), String(code))
    }
  })

  it('§5.5: refuses a reason longer than 123 bytes', () => {
    assert.throws(() => encodeClosePayload(1000, 'é'.repeat(62)), (err) => isPorticoError(err, 'PORTICO_ERR_WS_INVALID_CLOSE_CODE'))
    assert.equal(encodeClosePayload(1000, 'x'.repeat(123)).length, 125)
  })

  it('decodes an empty body as 1005', () => {
    assert.deepEqual(decodeClosePayload(Buffer.alloc(0)), { code: 1005, reason: '' })
  })

  it('§5.5.1: fails with 1002 on a 1-byte body or a code not allowed on the wire', () => {
    for (const body of [Buffer.from([3]), Buffer.from([0x03, 0xed]), Buffer.from([0x03, 0xf7]), Buffer.from([0x13, 0x88])]) {
      assert.throws(() => decodeClosePayload(body), (err) => err instanceof WebSocketError && err.closeCode === 1002, body.toString('hex'))
    }
  })

  it('§8.1: fails with 1007 on a reason that is not UTF-8', () => {
    assert.throws(() => decodeClosePayload(Buffer.from([0x03, 0xe8, 0xff])), (err) => err instanceof WebSocketError && err.closeCode === 1007)
  })
})
