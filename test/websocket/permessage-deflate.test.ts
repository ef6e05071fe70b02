import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { deflateRawSync } from 'node:zlib'
import { DeflateCodec, deflateMessage } from '../../src/websocket/deflate-codec.js'
import { acceptDeflateOffer, acceptDeflateResponse, deflateOffer, type DeflateParams } from '../../src/websocket/deflate-negotiation.js'
import { parseExtensions } from '../../src/websocket/extension-header.js'
import { isPorticoError } from '../../src/errors.js'
import type { WebSocketError } from '../../src/websocket/ws-error.js'

const DEFAULT: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 }

function accept(offer: string, options = {}) {
  return acceptDeflateOffer(parseExtensions(offer), options)
}

function run(codec: DeflateCodec, op: 'compress' | 'decompress', data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const cb = (err: WebSocketError | null, out: Buffer) => (err ? reject(err) : resolve(out))
    if (op === 'compress') codec.compress(data, cb)
    else codec.decompress(data, true, cb)
  })
}

describe('permessage-deflate negotiation (RFC 7692 §7.1)', () => {
  it('accepts a bare offer with the default parameters', () => {
    const result = accept('permessage-deflate')
    assert.ok(result)
    assert.equal(result.header, 'permessage-deflate')
    assert.deepEqual(result.params, DEFAULT)
  })

  it('§7.1.1.1: answers server_no_context_takeover when the client asks or the server insists', () => {
    assert.equal(accept('permessage-deflate; server_no_context_takeover')?.header, 'permessage-deflate; server_no_context_takeover')
    assert.equal(accept('permessage-deflate', { serverNoContextTakeover: true })?.params.serverNoContextTakeover, true)
  })

  it('§7.1.1.2: answers client_no_context_takeover when the server requires it', () => {
    const result = accept('permessage-deflate', { clientNoContextTakeover: true })
    assert.equal(result?.header, 'permessage-deflate; client_no_context_takeover')
  })

  it('§7.1.2.1: answers server_max_window_bits no larger than the offer', () => {
    const result = accept('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 12 })
    assert.equal(result?.params.serverMaxWindowBits, 10)
    assert.equal(result?.header, 'permessage-deflate; server_max_window_bits=10')
  })

  it('§7.1.2.2: limits the client window only when the client offered client_max_window_bits', () => {
    assert.equal(accept('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 11 })?.header, 'permessage-deflate; client_max_window_bits=11')
    assert.equal(accept('permessage-deflate', { clientMaxWindowBits: 11 })?.header, 'permessage-deflate')
  })

  it('§7.1: declines an offer with an unknown or invalid parameter and takes the next one', () => {
    assert.equal(accept('permessage-deflate; foo'), undefined)
    assert.equal(accept('permessage-deflate; server_max_window_bits=16'), undefined)
    assert.equal(accept('permessage-deflate; server_max_window_bits'), undefined)
    assert.equal(accept('permessage-deflate; client_no_context_takeover=1'), undefined)
    const fallback = accept('permessage-deflate; server_max_window_bits=7, permessage-deflate; server_no_context_takeover')
    assert.equal(fallback?.params.serverNoContextTakeover, true)
  })

  it('declines server_max_window_bits=8, which zlib cannot honour for raw deflate', () => {
    assert.equal(accept('permessage-deflate; server_max_window_bits=8'), undefined)
    assert.equal(accept('permessage-deflate; server_max_window_bits=9')?.params.serverMaxWindowBits, 9)
  })

  it('ignores other extensions', () => {
    assert.equal(accept('x-webkit-deflate-frame'), undefined)
  })

  it('writes a client offer that lets the server limit the client window', () => {
    assert.equal(deflateOffer({}), 'permessage-deflate; client_max_window_bits')
    assert.equal(deflateOffer({ serverNoContextTakeover: true, clientMaxWindowBits: 10 }), 'permessage-deflate; server_no_context_takeover; client_max_window_bits=10')
  })

  it('§7.1: a client accepts a consistent response and refuses the rest', () => {
    assert.deepEqual(acceptDeflateResponse(parseExtensions('permessage-deflate; server_max_window_bits=12'), {}), { ...DEFAULT, serverMaxWindowBits: 12 })
    for (const bad of ['x-foo', 'permessage-deflate, permessage-deflate', 'permessage-deflate; foo', 'permessage-deflate; client_max_window_bits']) {
      assert.throws(() => acceptDeflateResponse(parseExtensions(bad), {}), (err) => isPorticoError(err, 'PORTICO_ERR_WS_EXTENSION'), bad)
    }
    assert.throws(() => acceptDeflateResponse(parseExtensions('permessage-deflate'), { serverNoContextTakeover: true }))
  })
})

describe('permessage-deflate codec (RFC 7692 §7.2)', () => {
  it('§7.2.1: strips the 00 00 ff ff tail of a sync-flushed message', () => {
    const out = deflateMessage(Buffer.from('Hello'), 15)
    assert.notEqual(out.subarray(-4).toString('hex'), '0000ffff')
  })

  it('§7.2.3.1: inflates the RFC example "Hello" (f2 48 cd c9 c9 07 00)', async () => {
    const codec = new DeflateCodec({ ...DEFAULT, clientNoContextTakeover: true }, 'server', { maxPayload: 1000 })
    assert.equal((await run(codec, 'decompress', Buffer.from('f248cdc9c90700', 'hex'))).toString(), 'Hello')
    const stream = new DeflateCodec(DEFAULT, 'server', { maxPayload: 1000 })
    assert.equal((await run(stream, 'decompress', Buffer.from('f248cdc9c90700', 'hex'))).toString(), 'Hello')
    assert.equal((await run(stream, 'decompress', Buffer.from('f200110000', 'hex'))).toString(), 'Hello')
    stream.close()
  })

  it('round-trips messages with and without context takeover', async () => {
    for (const params of [DEFAULT, { ...DEFAULT, serverNoContextTakeover: true, clientNoContextTakeover: true }]) {
      const server = new DeflateCodec(params, 'server', { maxPayload: 1 << 20 })
      const client = new DeflateCodec(params, 'client', { maxPayload: 1 << 20 })
      for (const text of ['hello hello hello', 'hello hello hello', 'x'.repeat(100_000)]) {
        const compressed = await run(server, 'compress', Buffer.from(text))
        assert.equal((await run(client, 'decompress', compressed)).toString(), text)
      }
      server.close()
      client.close()
    }
  })

  it('fails with 1009 when a message inflates past maxPayload (a compression bomb)', async () => {
    const bomb = deflateRawSync(Buffer.alloc(10 << 20), { finishFlush: 2 })
    for (const params of [DEFAULT, { ...DEFAULT, clientNoContextTakeover: true }]) {
      const codec = new DeflateCodec(params, 'server', { maxPayload: 1 << 20 })
      await assert.rejects(run(codec, 'decompress', bomb), (err: WebSocketError) => err.closeCode === 1009)
      codec.close()
    }
  })

  it('fails with 1007 on data that does not inflate', async () => {
    const codec = new DeflateCodec({ ...DEFAULT, clientNoContextTakeover: true }, 'server', { maxPayload: 1000 })
    await assert.rejects(run(codec, 'decompress', Buffer.from('ffffffff', 'hex')), (err: WebSocketError) => err.closeCode === 1007)
    const stream = new DeflateCodec(DEFAULT, 'server', { maxPayload: 1000 })
    await assert.rejects(run(stream, 'decompress', Buffer.from('ffffffff', 'hex')), (err: WebSocketError) => err.closeCode === 1007)
    stream.close()
  })
})
