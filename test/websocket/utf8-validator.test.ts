import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Utf8Validator } from '../../src/websocket/utf8-validator.js'

const decoder = new TextDecoder('utf-8', { fatal: true })

/** The reference verdict: WHATWG's fatal UTF-8 decoder. */
function decoderAccepts(bytes: Uint8Array): boolean {
  try {
    decoder.decode(bytes)
    return true
  } catch {
    return false
  }
}

// ignoreBOM: keep a leading U+FEFF in the output, so the round trip below holds.
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * The same verdict without the cost of an exception, for the brute force below: the lenient decoder
 * turns each error into U+FFFD, so its output re-encodes to the input exactly when there was none.
 */
function decoderAcceptsQuickly(bytes: Uint8Array): boolean {
  return Buffer.from(lenientDecoder.decode(bytes), 'utf8').equals(bytes)
}

function concat(a: Uint8Array, b: readonly number[]): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

const completableCache = new Map<string, boolean>()
const continuations = Array.from({ length: 0x40 }, (_, k) => 0x80 + k)

/**
 * Whether some valid UTF-8 string starts with `prefix`, by brute force against TextDecoder: it can
 * be completed with at most 3 continuation bytes. The first completion byte ranges over all of
 * 80..BF; later ones are the 3rd/4th byte of a sequence, which accept 80..BF whole (RFC 3629 §4),
 * so the two ends of that range stand for all of it.
 */
function completable(prefix: Uint8Array): boolean {
  const key = Buffer.from(prefix).toString('latin1')
  const known = completableCache.get(key)
  if (known !== undefined) return known
  const result = searchCompletion(prefix)
  completableCache.set(key, result)
  return result
}

function searchCompletion(prefix: Uint8Array): boolean {
  if (decoderAcceptsQuickly(prefix)) return true
  for (const first of continuations) {
    if (decoderAcceptsQuickly(concat(prefix, [first]))) return true
    for (const second of [0x80, 0xbf]) {
      if (decoderAcceptsQuickly(concat(prefix, [first, second]))) return true
      for (const third of [0x80, 0xbf]) {
        if (decoderAcceptsQuickly(concat(prefix, [first, second, third]))) return true
      }
    }
  }
  return false
}

/** The smallest p such that no valid UTF-8 string starts with bytes[0..p), or -1 if there is none. */
function expectedFailAt(bytes: Uint8Array): number {
  for (let p = 1; p <= bytes.length; p++) if (!completable(bytes.subarray(0, p))) return p
  return -1
}

/** Feeds `bytes` one at a time with final=false; the 1-based position of the first false, or -1. */
function failAtByteByByte(bytes: Uint8Array): number {
  const validator = new Utf8Validator()
  let at = -1
  for (let i = 0; i < bytes.length; i++) {
    const ok = validator.push(bytes.subarray(i, i + 1), false)
    if (!ok && at === -1) at = i + 1
    if (at !== -1) assert.equal(ok, false, 'stays failed')
  }
  return at
}

/** The verdict of feeding `bytes` in the given chunks, the last one final. */
function verdict(chunks: Uint8Array[]): boolean {
  const validator = new Utf8Validator()
  let ok = true
  chunks.forEach((chunk, k) => {
    const result = validator.push(chunk, k === chunks.length - 1)
    if (!ok) assert.equal(result, false, 'stays failed')
    ok = result
  })
  return ok
}

/**
 * Checks every way of feeding `bytes` against TextDecoder and against the fail-fast position
 * `failAt` (from {@link expectedFailAt}): whole, split in two at every offset, byte by byte.
 */
function checkAllFeeds(bytes: Uint8Array, failAt: number): void {
  const hex = Buffer.from(bytes).toString('hex')
  const valid = decoderAccepts(bytes)
  assert.equal(decoderAcceptsQuickly(bytes), valid, `${hex}: the brute force's shortcut`)
  if (valid) assert.equal(failAt, -1, `${hex}: valid input cannot fail early`)
  assert.equal(verdict([bytes]), valid, `${hex}: whole`)
  for (let cut = 0; cut <= bytes.length; cut++) {
    const validator = new Utf8Validator()
    const first = validator.push(bytes.subarray(0, cut), false)
    assert.equal(first, failAt === -1 || failAt > cut, `${hex}: first ${cut} bytes, non-final`)
    assert.equal(validator.push(bytes.subarray(cut), true) && first, valid, `${hex}: split at ${cut}`)
  }
  const chunks: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1))
  chunks.push(new Uint8Array(0))
  assert.equal(verdict(chunks), valid, `${hex}: byte by byte, then an empty final push`)
  assert.equal(failAtByteByByte(bytes), failAt, `${hex}: fail-fast position`)
}

/** mulberry32: a small seeded PRNG, so a failing case reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const edgeCodePoints = [0x00, 0x7f, 0x80, 0x7ff, 0x800, 0xfff, 0x1000, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x3ffff, 0x40000, 0xfffff, 0x100000, 0x10ffff]
const edgeBytes = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfb, 0xfc, 0xfe, 0xff]

/** Random bytes biased toward valid UTF-8: a mix of 1- to 4-byte characters, then maybe corrupted. */
function randomInput(random: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(random() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]
  let text = ''
  const count = int(10)
  for (let k = 0; k < count; k++) {
    const kind = int(6)
    let cp: number
    if (kind === 0) cp = int(0x80)
    else if (kind === 1) cp = 0x80 + int(0x800 - 0x80)
    else if (kind === 2) {
      cp = 0x800 + int(0x10000 - 0x800)
      if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800
    } else if (kind === 3) cp = 0x10000 + int(0x110000 - 0x10000)
    else cp = pick(edgeCodePoints)
    text += String.fromCodePoint(cp)
  }
  const bytes = [...Buffer.from(text, 'utf8')]
  if (random() < 0.25) return new Uint8Array(bytes)
  const edits = 1 + int(3)
  for (let e = 0; e < edits; e++) {
    const at = int(bytes.length + 1)
    const op = int(5)
    if (op === 0 && at < bytes.length) bytes[at] ^= 1 << int(8)
    else if (op === 1 && at < bytes.length) bytes[at] = pick(edgeBytes)
    else if (op === 2) bytes.splice(at, 0, random() < 0.7 ? pick(edgeBytes) : int(256))
    else if (op === 3) bytes.splice(at, 1)
    else bytes.length = at // truncate
  }
  return new Uint8Array(bytes)
}

function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/ /g, ''), 'hex'))
}

describe('Utf8Validator', () => {
  it('agrees with TextDecoder on random inputs, whole, split at every offset and byte by byte', () => {
    const random = prng(0x7007)
    let valid = 0
    let early = 0
    for (let n = 0; n < 5000; n++) {
      const bytes = randomInput(random)
      const failAt = expectedFailAt(bytes)
      checkAllFeeds(bytes, failAt)
      if (decoderAccepts(bytes)) valid++
      else if (failAt !== -1) early++
    }
    // The generator must exercise both sides (and invalid bytes before the end).
    assert.ok(valid > 400, `${valid} valid inputs`)
    assert.ok(early > 400, `${early} inputs invalid before their end`)
  })

  it('agrees with TextDecoder on every string of up to 2 bytes and on 3-byte strings of edge bytes', () => {
    for (let a = 0; a < 256; a++) {
      checkAllFeeds(new Uint8Array([a]), expectedFailAt(new Uint8Array([a])))
      for (let b = 0; b < 256; b++) {
        const bytes = new Uint8Array([a, b])
        checkAllFeeds(bytes, expectedFailAt(bytes))
      }
    }
    for (const a of edgeBytes) {
      for (const b of edgeBytes) {
        for (const c of edgeBytes) {
          const bytes = new Uint8Array([a, b, c])
          checkAllFeeds(bytes, expectedFailAt(bytes))
        }
      }
    }
  })

  it('finds a bad byte at every position of a long ASCII run, across the 4-byte fast path', () => {
    for (const bad of [0x80, 0xc0, 0xff]) {
      for (let at = 0; at < 40; at++) {
        const bytes = new Uint8Array(40).fill(0x61)
        bytes[at] = bad
        checkAllFeeds(bytes, at + 1)
        // The same bytes in a view that does not start at offset 0.
        const padded = new Uint8Array(43).fill(0x61)
        padded.set(bytes, 3)
        assert.equal(new Utf8Validator().push(padded.subarray(3), true), false)
      }
      const mixed = new Uint8Array(Buffer.from(`${'a'.repeat(13)}é${'b'.repeat(9)}€${'c'.repeat(7)}😀${'d'.repeat(5)}`))
      checkAllFeeds(mixed, -1)
    }
  })

  const namedValid: Array<[string, string]> = [
    ['the empty message', ''],
    ['U+0000', '00'],
    ['U+007F, the last 1-byte character', '7f'],
    ['U+0080, the first 2-byte character', 'c2 80'],
    ['U+07FF, the last 2-byte character', 'df bf'],
    ['U+0800, the first 3-byte character', 'e0 a0 80'],
    ['U+D7FF, just below the surrogates', 'ed 9f bf'],
    ['U+E000, just above the surrogates', 'ee 80 80'],
    ['U+FEFF, a BOM', 'ef bb bf'],
    ['U+FFFF, the last 3-byte character', 'ef bf bf'],
    ['U+10000, the first 4-byte character', 'f0 90 80 80'],
    ['U+10FFFF, the last character', 'f4 8f bf bf'],
    ['mixed text', Buffer.from('κόσμε ✓ 😀 a').toString('hex')],
  ]
  for (const [name, bytes] of namedValid) {
    it(`accepts ${name}`, () => {
      assert.equal(expectedFailAt(hex(bytes)), -1)
      checkAllFeeds(hex(bytes), -1)
    })
  }

  // [name, bytes, 1-based position of the byte that makes the prefix invalid]
  const namedInvalid: Array<[string, string, number]> = [
    ['U+110000 (F4 90)', 'f4 90 80 80', 2],
    ['lead byte F5', 'f5 80 80 80', 1],
    ['lead byte F7', 'f7 bf bf bf', 1],
    ['a 5-byte sequence', 'f8 88 80 80 80', 1],
    ['a 6-byte sequence', 'fc 84 80 80 80 80', 1],
    ['overlong U+0000 (C0 80)', 'c0 80', 1],
    ['overlong U+007F (C1 BF)', 'c1 bf', 1],
    ['overlong 3-byte U+0000 (E0 80 80)', 'e0 80 80', 2],
    ['overlong 3-byte U+07FF (E0 9F BF)', 'e0 9f bf', 2],
    ['overlong 4-byte U+0000 (F0 80 80 80)', 'f0 80 80 80', 2],
    ['overlong 4-byte U+FFFF (F0 8F BF BF)', 'f0 8f bf bf', 2],
    ['surrogate U+D800', 'ed a0 80', 2],
    ['surrogate U+DFFF', 'ed bf bf', 2],
    ['a surrogate pair', 'ed a0 80 ed b0 80', 2],
    ['a lone continuation byte 80', '80', 1],
    ['a lone continuation byte BF', 'bf', 1],
    ['a continuation byte after ASCII', '41 80', 2],
    ['an extra continuation byte', 'c2 80 80', 3],
    ['0xFE', 'fe', 1],
    ['0xFF', 'ff', 1],
    ['a UTF-16 BOM', 'fe ff', 1],
    ['a 2-byte sequence cut by ASCII', 'c2 41', 2],
    ['a 3-byte sequence cut by ASCII', 'e1 80 41', 3],
    ['a 4-byte sequence cut by a lead byte', 'f1 80 80 c2 80', 4],
    ['invalid bytes after valid text', '68 c3 a9 6c 6c 6f ff', 7],
  ]
  for (const [name, bytes, failAt] of namedInvalid) {
    it(`rejects ${name} at byte ${failAt}`, () => {
      assert.equal(expectedFailAt(hex(bytes)), failAt)
      checkAllFeeds(hex(bytes), failAt)
    })
  }

  const truncated: Array<[string, string]> = [
    ['a 2-byte sequence missing 1 byte', 'c2'],
    ['a 3-byte sequence missing 2 bytes', 'e1'],
    ['a 3-byte sequence missing 1 byte', 'e0 a0'],
    ['a 4-byte sequence missing 3 bytes', 'f4'],
    ['a 4-byte sequence missing 2 bytes', 'f0 90'],
    ['a 4-byte sequence missing 1 byte', '41 f1 80 80'],
  ]
  for (const [name, bytes] of truncated) {
    it(`accepts ${name} until the final push, then rejects it`, () => {
      assert.equal(expectedFailAt(hex(bytes)), -1)
      assert.equal(decoderAccepts(hex(bytes)), false)
      checkAllFeeds(hex(bytes), -1)
      const validator = new Utf8Validator()
      assert.equal(validator.push(hex(bytes), false), true)
      assert.equal(validator.push(new Uint8Array(0), true), false)
    })
  }

  it('refuses E0 80 on the 80, though the chunk ends there and is not final', () => {
    const validator = new Utf8Validator()
    assert.equal(validator.push(hex('e0'), false), true)
    assert.equal(validator.push(hex('80'), false), false)
    assert.equal(new Utf8Validator().push(hex('e0 80'), false), false)
  })

  it('carries a partial sequence across pushes, and is ready for the next message after a final push', () => {
    const validator = new Utf8Validator()
    assert.equal(validator.push(hex('f0'), false), true)
    assert.equal(validator.push(hex('9f'), false), true)
    assert.equal(validator.push(new Uint8Array(0), false), true)
    assert.equal(validator.push(hex('98'), false), true)
    assert.equal(validator.push(hex('80 41'), true), true)
    assert.equal(validator.push(hex('c3 a9'), true), true)
    assert.equal(validator.push(new Uint8Array(0), true), true)
  })

  it('stays failed until reset()', () => {
    const validator = new Utf8Validator()
    assert.equal(validator.push(hex('ff'), false), false)
    assert.equal(validator.push(hex('41'), false), false)
    assert.equal(validator.push(hex('41'), true), false)
    validator.reset()
    assert.equal(validator.push(hex('41'), true), true)
  })

  it('reset() forgets a partial sequence', () => {
    const validator = new Utf8Validator()
    assert.equal(validator.push(hex('e2 82'), false), true)
    validator.reset()
    assert.equal(validator.push(hex('41'), true), true)
    // A narrowed range (ED: 80..9F next) is forgotten too.
    assert.equal(validator.push(hex('ed'), false), true)
    validator.reset()
    assert.equal(validator.push(hex('80'), false), false, 'a lone continuation byte after reset')
    validator.reset()
    assert.equal(validator.push(hex('f4'), false), true)
    validator.reset()
    assert.equal(validator.push(hex('e0 a0 80'), true), true)
  })

  it('forgets the narrowed range once the second byte is accepted', () => {
    // After F4 8F the third byte may be BF; after E0 A0 the third may be 80.
    for (const bytes of ['f4 8f bf bf', 'e0 a0 80', 'ed 9f bf', 'f0 90 80 80']) {
      const validator = new Utf8Validator()
      for (const b of hex(bytes)) assert.equal(validator.push(new Uint8Array([b]), false), true, bytes)
      assert.equal(validator.push(new Uint8Array(0), true), true, bytes)
    }
  })
})
