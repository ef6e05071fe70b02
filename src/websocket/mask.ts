/**
 * Masking (RFC 6455 §5.3): `transformed[i] = original[i] XOR mask[i mod 4]`. The same operation
 * masks and unmasks. Long payloads are processed a 32-bit word at a time over an aligned
 * `Uint32Array` view; short ones byte by byte (creating views costs more than it saves).
 * @module
 */
import { randomFillSync } from 'node:crypto'

const WORD_THRESHOLD = 64
const maskWord = new Uint32Array(1)
const maskWordBytes = new Uint8Array(maskWord.buffer)

/**
 * XORs `source[0..length)` with the 4-byte `mask` into `target` at `targetOffset` (which may be
 * `source` itself, for masking in place).
 *
 * @example
 * ```ts
 * const mask = Buffer.from([1, 2, 3, 4])
 * const out = Buffer.alloc(5)
 * applyMask(Buffer.from('Hello'), mask, out, 0, 5)
 * applyMask(out, mask, out, 0, 5) // back to 'Hello'
 * ```
 */
export function applyMask(source: Uint8Array, mask: Uint8Array, target: Uint8Array, targetOffset: number, length: number): void {
  let i = 0
  if (length >= WORD_THRESHOLD) {
    // Bytes until the target is 4-byte aligned, so the middle can be a Uint32Array view.
    const misalign = (target.byteOffset + targetOffset) & 3
    const head = misalign === 0 ? 0 : 4 - misalign
    for (; i < head; i++) target[targetOffset + i] = source[i] ^ mask[i & 3]
    const tail = target.subarray(targetOffset + i, targetOffset + length)
    if (((source.byteOffset + i) & 3) !== 0) {
      // A misaligned source: copy it (memcpy is cheap) and mask the aligned copy in place.
      tail.set(source.subarray(i, length))
      maskAligned(tail, tail, mask, i, length - i)
    } else {
      maskAligned(source.subarray(i, length), tail, mask, i, length - i)
    }
    return
  }
  // Short payloads: the key in locals, four bytes a step.
  const m0 = mask[0]
  const m1 = mask[1]
  const m2 = mask[2]
  const m3 = mask[3]
  const whole = length & ~3
  for (; i < whole; i += 4) {
    const t = targetOffset + i
    target[t] = source[i] ^ m0
    target[t + 1] = source[i + 1] ^ m1
    target[t + 2] = source[i + 2] ^ m2
    target[t + 3] = source[i + 3] ^ m3
  }
  for (; i < length; i++) target[targetOffset + i] = source[i] ^ mask[i & 3]
}

/** Masks `length` bytes whose first byte sits at position `position` of the payload; both views 4-byte aligned. */
function maskAligned(source: Uint8Array, target: Uint8Array, mask: Uint8Array, position: number, length: number): void {
  // The word at `position` starts with mask[position & 3]; the view handles endianness.
  for (let k = 0; k < 4; k++) maskWordBytes[k] = mask[(position + k) & 3]
  const m = maskWord[0]
  const words = length >>> 2
  const t32 = new Uint32Array(target.buffer, target.byteOffset, words)
  const s32 = new Uint32Array(source.buffer, source.byteOffset, words)
  for (let w = 0; w < words; w++) t32[w] = s32[w] ^ m
  for (let j = words << 2; j < length; j++) target[j] = source[j] ^ mask[(position + j) & 3]
}

/**
 * Unmasks (or masks) `data` in place.
 *
 * @example
 * ```ts
 * unmaskInPlace(payload, frame.mask)
 * ```
 */
export function unmaskInPlace(data: Uint8Array, mask: Uint8Array): void {
  applyMask(data, mask, data, 0, data.length)
}

const POOL_SIZE = 8192
let pool = Buffer.allocUnsafe(POOL_SIZE)
let poolOffset = POOL_SIZE

/**
 * A fresh 4-byte masking key from a strong source of entropy (RFC 6455 §5.3 and §10.3), drawn
 * from a pool refilled 2,048 keys at a time. The returned view is valid until the next call
 * that refills the pool; copy it into the frame at once.
 *
 * @example
 * ```ts
 * const key = randomMask()
 * frame.set(key, 2)
 * ```
 */
export function randomMask(): Buffer {
  if (poolOffset === POOL_SIZE) {
    pool = Buffer.allocUnsafe(POOL_SIZE)
    randomFillSync(pool)
    poolOffset = 0
  }
  const key = pool.subarray(poolOffset, poolOffset + 4)
  poolOffset += 4
  return key
}
