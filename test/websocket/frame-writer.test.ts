import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FrameParser, type Frame } from '../../src/websocket/frame-parser.js'
import { encodeFrame, encodeStringFrame } from '../../src/websocket/frame-writer.js'
import { applyMask } from '../../src/websocket/mask.js'

function parse(frames: Buffer[], role: 'server' | 'client'): Frame[] {
  const parser = new FrameParser({ role, maxPayload: 1 << 24, perMessageDeflate: true })
  const out: Frame[] = []
  parser.onFrame = (f) => out.push(f)
  parser.push(Buffer.concat(frames))
  return out
}

describe('masking (RFC 6455 §5.3)', () => {
  it('masks and unmasks back to the original for every length and alignment', () => {
    const mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d])
    for (const length of [0, 1, 3, 4, 5, 63, 64, 65, 127, 1000, 4099]) {
      for (const shift of [0, 1, 2, 3]) {
        const backing = Buffer.alloc(length + 8)
        const source = backing.subarray(shift, shift + length)
        for (let i = 0; i < length; i++) source[i] = (i * 31 + 7) & 0xff
        const original = Buffer.from(source)
        const target = Buffer.alloc(length + 5).subarray((shift + 1) % 4, ((shift + 1) % 4) + length)
        applyMask(source, mask, target, 0, length)
        for (let i = 0; i < length; i++) assert.equal(target[i], original[i] ^ mask[i % 4], `length ${length} shift ${shift} byte ${i}`)
        applyMask(target, mask, target, 0, length)
        assert.deepEqual(target, original)
      }
    }
  })

  it('produces the RFC 6455 §5.7 masked "Hello" with key 37 fa 21 3d', () => {
    const out = Buffer.alloc(5)
    applyMask(Buffer.from('Hello'), Buffer.from('37fa213d', 'hex'), out, 0, 5)
    assert.equal(out.toString('hex'), '7f9f4d5158')
  })
})

describe('frame writer (RFC 6455 §5.2)', () => {
  it('writes the RFC 6455 §5.7 unmasked "Hello" frame', () => {
    assert.equal(Buffer.concat(encodeFrame(1, Buffer.from('Hello'))).toString('hex'), '810548656c6c6f')
  })

  it('uses 7-bit lengths up to 125, 16-bit up to 65535, 64-bit beyond', () => {
    for (const [length, headerLength] of [[125, 2], [126, 4], [65535, 4], [65536, 10]]) {
      const bytes = Buffer.concat(encodeFrame(2, Buffer.alloc(length)))
      assert.equal(bytes.length - length, headerLength, `length ${length}`)
      assert.equal(parse([bytes], 'client')[0].payload.length, length)
    }
  })

  it('masks client frames with a fresh key and never modifies the payload', () => {
    const payload = Buffer.alloc(100_000, 0x41)
    const a = encodeFrame(2, payload, { mask: true })
    const b = encodeFrame(2, payload, { mask: true })
    assert.ok(payload.every((x) => x === 0x41))
    assert.notDeepEqual(a[0].subarray(10, 14), b[0].subarray(10, 14))
    assert.deepEqual(parse(a, 'server')[0].payload, payload)
  })

  it('sets FIN and RSV1 as asked', () => {
    const [frame] = encodeFrame(1, Buffer.from('x'), { fin: false, rsv1: true })
    assert.equal(frame[0], 0x41)
  })

  it('encodes a string straight into its frame: the same bytes as encodeFrame, masked or not', () => {
    for (const length of [0, 1, 41, 125, 126, 65535, 65536]) {
      const text = 'é'.repeat(length >> 1) + 'x'.repeat(length & 1)
      const bytes = Buffer.byteLength(text)
      assert.deepEqual(encodeStringFrame(1, text, bytes, false), Buffer.concat(encodeFrame(1, Buffer.from(text))), `length ${length}`)
      const [masked] = parse([encodeStringFrame(1, text, bytes, true)], 'server')
      assert.equal(masked.payload.toString(), text, `masked, length ${length}`)
    }
    assert.equal(encodeStringFrame(2, '✓😀', Buffer.byteLength('✓😀'), false)[0], 0x82)
  })

  it('writes a large unmasked payload without copying it', () => {
    const payload = Buffer.alloc(1 << 20)
    const frames = encodeFrame(2, payload)
    assert.equal(frames.length, 2)
    assert.equal(frames[1], payload)
  })
})
