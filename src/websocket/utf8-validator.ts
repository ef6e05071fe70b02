/**
 * Incremental UTF-8 validation, so a fragmented text message fails with 1007 (RFC 6455 §8.1)
 * at the first byte that cannot begin valid UTF-8, not only once the whole message arrived
 * (the "fail fast" that Autobahn's section 6 expects).
 *
 * Accepts exactly the well-formed sequences of RFC 3629 §4 (the same as the WHATWG UTF-8
 * decoder with `fatal: true`): no overlongs, no surrogates, nothing above U+10FFFF. Only the
 * byte after a lead byte has a narrowed range; later continuation bytes are always 80..BF.
 * @module
 */

/**
 * A streaming UTF-8 validator for one message at a time. Bytes may be split anywhere between
 * pushes; a partial sequence at the end of a push is carried to the next. It allocates nothing.
 * Once a push returns false, every later push returns false until {@link Utf8Validator.reset}.
 * After a successful final push it is ready for the next message.
 *
 * @example
 * ```ts
 * const validator = new Utf8Validator()
 * validator.push(Buffer.from([0x68, 0xe2, 0x82]), false) // true: "h", then 2/3 of "€"
 * validator.push(Buffer.from([0xac]), true)              // true: "h€"
 *
 * validator.push(Buffer.from([0xe0]), false)             // true: E0 may start U+0800..U+0FFF
 * validator.push(Buffer.from([0x80]), false)             // false: E0 80 is an overlong prefix
 * validator.reset()
 * ```
 */
export class Utf8Validator {
  /** Continuation bytes still expected by the current sequence (0..3). */
  private need = 0
  /** Smallest and largest acceptable value for the next continuation byte. */
  private lower = 0x80
  private upper = 0xbf
  private failed = false

  /**
   * Feeds the next bytes of the message. Returns false as soon as the bytes so far cannot begin
   * valid UTF-8; with `final`, also when the message ends inside a sequence.
   *
   * @example
   * ```ts
   * new Utf8Validator().push(Buffer.from('héllo'), true) // true
   * new Utf8Validator().push(Buffer.from([0xc3]), true)  // false: truncated "é"
   * ```
   */
  push(data: Uint8Array, final: boolean): boolean {
    if (this.failed) return false
    let need = this.need
    let lower = this.lower
    let upper = this.upper
    const length = data.length
    let i = 0
    while (i < length) {
      const byte = data[i++]
      if (need === 0) {
        if (byte < 0x80) {
          // ASCII run: 4 bytes per test, then byte by byte.
          while (i + 4 <= length && ((data[i] | data[i + 1] | data[i + 2] | data[i + 3]) & 0x80) === 0) i += 4
          while (i < length && data[i] < 0x80) i++
          continue
        }
        // RFC 3629 §4: UTF8-2 = C2-DF tail; UTF8-3 = E0 A0-BF tail / E1-EC 2tail / ED 80-9F tail /
        // EE-EF 2tail; UTF8-4 = F0 90-BF 2tail / F1-F3 3tail / F4 80-8F 2tail.
        if (byte < 0xc2) return this.fail() // a continuation byte, or C0/C1 (overlong 2-byte)
        if (byte < 0xe0) {
          need = 1
        } else if (byte < 0xf0) {
          need = 2
          if (byte === 0xe0) lower = 0xa0 // overlong 3-byte
          else if (byte === 0xed) upper = 0x9f // surrogates U+D800..U+DFFF
        } else if (byte < 0xf5) {
          need = 3
          if (byte === 0xf0) lower = 0x90 // overlong 4-byte
          else if (byte === 0xf4) upper = 0x8f // above U+10FFFF
        } else {
          return this.fail() // F5..FF: above U+10FFFF or never UTF-8
        }
      } else {
        if (byte < lower || byte > upper) return this.fail()
        need--
        lower = 0x80
        upper = 0xbf
      }
    }
    if (final && need !== 0) return this.fail()
    this.need = need
    this.lower = lower
    this.upper = upper
    return true
  }

  /**
   * Forgets any partial sequence and a failure, ready for the next message.
   *
   * @example
   * ```ts
   * validator.reset()
   * ```
   */
  reset(): void {
    this.need = 0
    this.lower = 0x80
    this.upper = 0xbf
    this.failed = false
  }

  private fail(): false {
    this.failed = true
    return false
  }
}
