import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FrameParser, type Frame, type FrameParserOptions } from '../../src/websocket/frame-parser.js'
import { encodeFrame } from '../../src/websocket/frame-writer.js'
import { WebSocketError } from '../../src/websocket/ws-error.js'

const server: FrameParserOptions = { role: 'server', maxPayload: 1 << 20, perMessageDeflate: false }
const client: FrameParserOptions = { role: 'client', maxPayload: 1 << 20, perMessageDeflate: false }

/** Feeds `bytes` to a fresh parser, one byte at a time, and returns the frames. */
function byteByByte(bytes: Buffer, options: FrameParserOptions): Frame[] {
  const parser = new FrameParser(options)
  const frames: Frame[] = []
  parser.onFrame = (f) => frames.push({ ...f, payload: Buffer.from(f.payload) })
  for (let i = 0; i < bytes.length; i++) parser.push(Buffer.from([bytes[i]]))
  return frames
}

function parse(chunks: Buffer[], role: 'server' | 'client'): Frame[] {
  const parser = new FrameParser({ role, maxPayload: 1 << 24, perMessageDeflate: true })
  const out: Frame[] = []
  parser.onFrame = (f) => out.push({ ...f, payload: Buffer.from(f.payload) })
  for (const chunk of chunks) parser.push(Buffer.from(chunk))
  return out
}

/** Feeds `bytes` split at every offset, and checks each split gives `expected`. */
function everySplit(bytes: Buffer, options: FrameParserOptions): Frame[] {
  let result: Frame[] = []
  for (let cut = 0; cut <= bytes.length; cut++) {
    const parser = new FrameParser(options)
    const frames: Frame[] = []
    parser.onFrame = (f) => frames.push({ ...f, payload: Buffer.from(f.payload) })
    parser.push(Buffer.from(bytes.subarray(0, cut)))
    parser.push(Buffer.from(bytes.subarray(cut)))
    if (cut > 0) assert.deepEqual(frames, result, `split at ${cut}`)
    result = frames
  }
  return result
}

function failure(bytes: Buffer, options: FrameParserOptions): WebSocketError {
  try {
    byteByByte(bytes, options)
  } catch (err) {
    assert.ok(err instanceof WebSocketError)
    return err
  }
  assert.fail('expected the parser to fail')
}

describe('frame parser (RFC 6455 §5.2)', () => {
  it('parses the RFC 6455 §5.7 single-frame unmasked text "Hello", byte by byte', () => {
    const frames = byteByByte(Buffer.from('810548656c6c6f', 'hex'), client)
    assert.equal(frames.length, 1)
    assert.equal(frames[0].opcode, 1)
    assert.equal(frames[0].fin, true)
    assert.equal(frames[0].payload.toString(), 'Hello')
  })

  it('unmasks the RFC 6455 §5.7 single-frame masked text "Hello"', () => {
    const frames = everySplit(Buffer.from('818537fa213d7f9f4d5158', 'hex'), server)
    assert.equal(frames[0].payload.toString(), 'Hello')
  })

  it('parses the RFC 6455 §5.7 fragmented text "Hel" + "lo"', () => {
    const frames = byteByByte(Buffer.from('010348656c' + '80026c6f', 'hex'), client)
    assert.deepEqual(frames.map((f) => [f.opcode, f.fin, f.payload.toString()]), [[1, false, 'Hel'], [0, true, 'lo']])
  })

  it('parses the RFC 6455 §5.7 ping and masked pong', () => {
    assert.equal(byteByByte(Buffer.from('890548656c6c6f', 'hex'), client)[0].opcode, 9)
    const pong = byteByByte(Buffer.from('8a8537fa213d7f9f4d5158', 'hex'), server)[0]
    assert.deepEqual([pong.opcode, pong.payload.toString()], [10, 'Hello'])
  })

  it('reads a 16-bit extended length (256 bytes) and a 64-bit one (65536 bytes)', () => {
    const f256 = everySplit(Buffer.concat(encodeFrame(2, Buffer.alloc(256, 1))), client)
    assert.equal(f256[0].payload.length, 256)
    const big = byteByByte(Buffer.concat(encodeFrame(2, Buffer.alloc(65536, 2), { mask: true })), server)
    assert.equal(big[0].payload.length, 65536)
    assert.ok(big[0].payload.every((b) => b === 2))
  })

  it('allows control frames interleaved between fragments (§5.4)', () => {
    const bytes = Buffer.concat([
      ...encodeFrame(1, Buffer.from('a'), { fin: false }),
      ...encodeFrame(9, Buffer.from('p')),
      ...encodeFrame(0, Buffer.from('b')),
    ])
    assert.deepEqual(byteByByte(bytes, client).map((f) => f.opcode), [1, 9, 0])
  })

  it('§5.1: fails with 1002 on an unmasked frame sent to a server', () => {
    assert.equal(failure(Buffer.from('810548656c6c6f', 'hex'), server).closeCode, 1002)
  })

  it('§5.1: fails with 1002 on a masked frame sent to a client', () => {
    assert.equal(failure(Buffer.from('818537fa213d7f9f4d5158', 'hex'), client).closeCode, 1002)
  })

  it('§5.2: fails with 1002 on RSV1, RSV2 or RSV3 without a negotiated extension', () => {
    for (const b0 of [0xc1, 0xa1, 0x91]) assert.equal(failure(Buffer.from([b0, 0x00]), client).closeCode, 1002)
  })

  it('RFC 7692 §6: accepts RSV1 on a first data frame only when permessage-deflate is on', () => {
    const frames = byteByByte(Buffer.from([0xc1, 0x00]), { ...client, perMessageDeflate: true })
    assert.equal(frames[0].compressed, true)
    assert.equal(failure(Buffer.from([0xc9, 0x00]), { ...client, perMessageDeflate: true }).closeCode, 1002)
    assert.equal(failure(Buffer.from([0x41, 0x00, 0xc0, 0x00]), { ...client, perMessageDeflate: true }).closeCode, 1002)
  })

  it('marks the continuation frames of a compressed message as compressed', () => {
    const frames = byteByByte(Buffer.from([0x41, 0x00, 0x80, 0x00]), { ...client, perMessageDeflate: true })
    assert.deepEqual(frames.map((f) => f.compressed), [true, true])
  })

  it('§5.2: fails with 1002 on reserved opcodes 0x3-0x7 and 0xB-0xF', () => {
    for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) assert.equal(failure(Buffer.from([0x80 | op, 0x00]), client).closeCode, 1002)
  })

  it('§5.5: fails with 1002 on a fragmented control frame', () => {
    assert.equal(failure(Buffer.from([0x09, 0x00]), client).closeCode, 1002)
  })

  it('§5.5: fails with 1002 on a control frame longer than 125 bytes', () => {
    assert.equal(failure(Buffer.concat(encodeFrame(9, Buffer.alloc(126))), client).closeCode, 1002)
  })

  it('§5.4: fails with 1002 on a continuation frame with no message in progress', () => {
    assert.equal(failure(Buffer.from([0x80, 0x00]), client).closeCode, 1002)
  })

  it('§5.4: fails with 1002 on a new data frame inside a fragmented message', () => {
    assert.equal(failure(Buffer.from([0x01, 0x00, 0x81, 0x00]), client).closeCode, 1002)
  })

  it('§5.2: fails with 1002 when the 64-bit length has its most significant bit set', () => {
    assert.equal(failure(Buffer.from('827f8000000000000001', 'hex'), client).closeCode, 1002)
  })

  it('fails with 1009 when a frame is longer than maxPayload, before reading its payload', () => {
    const err = failure(Buffer.from('827e0101', 'hex'), { ...client, maxPayload: 256 })
    assert.equal(err.closeCode, 1009)
    assert.equal(err.code, 'PORTICO_ERR_WS_MESSAGE_TOO_BIG')
  })

  it('fails with 1009 when the fragments of a message add up past maxPayload', () => {
    const bytes = Buffer.concat([...encodeFrame(2, Buffer.alloc(200), { fin: false }), ...encodeFrame(0, Buffer.alloc(100))])
    assert.equal(failure(bytes, { ...client, maxPayload: 256 }).closeCode, 1009)
  })

  it('stops after the current frame when paused, and resumes with the kept bytes', () => {
    const parser = new FrameParser(client)
    const seen: string[] = []
    parser.onFrame = (f) => {
      seen.push(f.payload.toString())
      parser.pause()
    }
    parser.push(Buffer.concat([...encodeFrame(1, Buffer.from('a')), ...encodeFrame(1, Buffer.from('b'))]))
    assert.deepEqual(seen, ['a'])
    parser.resume()
    assert.deepEqual(seen, ['a', 'b'])
  })

  it('parses a stream of frames the same whole, split at every offset and byte by byte', () => {
    const frames = [
      ...encodeFrame(1, Buffer.from('first'), { mask: true }),
      ...encodeFrame(2, Buffer.alloc(0), { mask: true }),
      ...encodeFrame(1, Buffer.alloc(125, 0x61), { mask: true, fin: false }),
      ...encodeFrame(9, Buffer.from('ping'), { mask: true }),
      ...encodeFrame(0, Buffer.alloc(126, 0x62), { mask: true }),
      ...encodeFrame(2, Buffer.alloc(70000, 7), { mask: true }),
      ...encodeFrame(1, Buffer.from('last'), { mask: true }),
    ]
    const bytes = Buffer.concat(frames)
    const summary = (list: Frame[]): string[] => list.map((f) => `${f.opcode}:${f.fin}:${f.payload.length}:${f.payload.subarray(0, 8).toString('hex')}`)
    const whole = summary(parse([bytes], 'server'))
    assert.equal(whole.length, 7)
    assert.deepEqual(summary(byteByByte(bytes, server)), whole)
    for (let cut = 1; cut < bytes.length; cut += cut < 300 ? 1 : 997) {
      assert.deepEqual(summary(parse([bytes.subarray(0, cut), bytes.subarray(cut)], 'server')), whole, `split at ${cut}`)
    }
  })

  it('fails with the same code whole as byte by byte', () => {
    const cases: Array<[string, FrameParserOptions]> = [
      ['810548656c6c6f', server],
      ['c18000000000', server],
      ['838000000000', server],
      ['097e0100', client],
      ['827f8000000000000001', client],
      ['827e0101', { ...client, maxPayload: 256 }],
    ]
    for (const [hex, options] of cases) {
      const bytes = Buffer.concat([Buffer.concat(encodeFrame(2, Buffer.from('ok'), { mask: options.role === 'server' })), Buffer.from(hex, 'hex')])
      const parser = new FrameParser(options)
      let code = 0
      try {
        parser.push(bytes)
      } catch (err) {
        code = (err as WebSocketError).closeCode
      }
      assert.equal(code, failure(bytes, options).closeCode, hex)
    }
  })

  it('refuses further input after an error', () => {
    const parser = new FrameParser(server)
    assert.throws(() => parser.push(Buffer.from([0x81, 0x00])))
    assert.throws(() => parser.push(Buffer.from([0x81, 0x80, 0, 0, 0, 0])), WebSocketError)
  })
})
