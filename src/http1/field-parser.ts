/**
 * The field-line layer of the HTTP/1.1 parsers (RFC 9112 §5, RFC 9110 §5.5): head and
 * trailer sections read incrementally, their bytes kept aside when a section spans several
 * `execute` calls, decoded to one latin1 string once complete (every name and value is a
 * `slice` of it), and the fields that framing depends on recognised while scanning.
 * @module
 */
import { HttpParseError, type ErrorCode } from '../errors.js'
import { FIELD_VALUE, LOWER, TOKEN } from './char-tables.js'
import * as states from './parser-states.js'
import { DEFAULT_PARSER_LIMITS, type MessageHead, type ParserCallbacks, type ParserLimits } from './types.js'

// Module-local copies: V8 reads these faster than namespace properties in the hot loops.
const { COLON, CR, HTAB, K_CONNECTION, K_CONTENT_LENGTH, K_EXPECT, K_OTHER, K_TRANSFER_ENCODING,
  K_UPGRADE, LF, MAX_LENGTH, SP, ST_DEAD, ST_FIELD_START, ST_NAME, ST_NAME_WS, ST_SECTION_LF,
  ST_START, ST_VALUE, ST_VALUE_CL, ST_VALUE_LF, ST_VALUE_OWS, U64_MAX } = states

declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string
  }
}

/**
 * Sections of field lines, shared by both parsers through {@link Http1Parser}.
 *
 * @example
 * ```ts
 * // internal: RequestParser → Http1Parser → ChunkParser → FieldParser
 * ```
 */
export abstract class FieldParser<Head extends MessageHead> {
  protected readonly cb: ParserCallbacks<Head>
  protected readonly maxHeaderSize: number
  protected readonly maxUrlLength: number
  protected readonly maxHeaderCount: number
  protected readonly maxChunkExtensionSize: number
  protected state = ST_START
  protected data: Buffer = Buffer.alloc(0)
  /** Section-relative position of `data[0]` (negative when the section began in `data`). */
  protected base = 0
  protected secBuf: Buffer | null = null
  protected secLen = 0
  protected inTrailers = false
  protected marks = new Int32Array(64)
  protected nFields = 0
  // Field kinds seen in the head.
  private kind = K_OTHER
  private nameStart = 0
  private valueStart = 0
  private wsPos = 0
  protected clValue = 0
  private clDigits = 0
  private clSpace = false
  protected clSeen = false
  protected teSeen = false
  /** Pairs `[field index, kind]` of the fields framing depends on. */
  protected special: number[] = []

  constructor(cb: ParserCallbacks<Head>, limits: Partial<ParserLimits> = {}) {
    this.cb = cb
    this.maxHeaderSize = limits.maxHeaderSize ?? DEFAULT_PARSER_LIMITS.maxHeaderSize
    this.maxUrlLength = limits.maxUrlLength ?? DEFAULT_PARSER_LIMITS.maxUrlLength
    this.maxHeaderCount = limits.maxHeaderCount ?? DEFAULT_PARSER_LIMITS.maxHeaderCount
    this.maxChunkExtensionSize = limits.maxChunkExtensionSize ?? DEFAULT_PARSER_LIMITS.maxChunkExtensionSize
  }

  /** The empty line ending a section; `p` is just past it. */
  protected abstract sectionDone(p: number): void
  /** Called at the end of a chunk in the middle of the start line (limits, prefix checks). */
  protected abstract startLinePartial(len: number): void

  /**
   * Throws the parse error `code` at `offset`, relative to the current `data` (negative when
   * the offending byte came in an earlier `execute` call).
   */
  protected fail(code: ErrorCode, offset: number, message?: string): never {
    this.state = ST_DEAD
    throw new HttpParseError(code, offset, message)
  }

  /** The byte at section position `h`, wherever it is kept. */
  protected byteAt(h: number): number {
    const i = h - this.base
    return i >= 0 ? this.data[i] : this.secBuf![h]
  }

  /** Starts a head or trailer section at `p` of the current data. */
  protected beginSection(p: number, trailers: boolean): void {
    this.base = -p
    this.secLen = 0
    this.nFields = 0
    this.inTrailers = trailers
  }

  /** Fails with 431 when the section passed `maxHeaderSize` at `p`. */
  protected checkSize(p: number): void {
    if (p + this.base > this.maxHeaderSize) this.fail('PORTICO_ERR_HEADERS_TOO_LARGE', this.maxHeaderSize - this.base)
  }

  protected saveSection(len: number): void {
    this.checkSize(len)
    if (this.state < ST_FIELD_START) this.startLinePartial(len)
    const from = this.base < 0 ? -this.base : 0
    const n = len - from
    if (n === 0) return
    let buf = this.secBuf
    if (buf === null || buf.length < this.secLen + n) {
      const grown = Buffer.allocUnsafe(Math.max(this.secLen + n, Math.min(this.maxHeaderSize + 8, 2 * (buf?.length ?? 1024))))
      if (buf !== null) buf.copy(grown, 0, 0, this.secLen)
      buf = this.secBuf = grown
    }
    this.data.copy(buf, this.secLen, from, len)
    this.secLen += n
    this.base = this.secLen
  }

  /** Decodes the section that ends at `e` (exclusive) of the current data. */
  protected sectionString(e: number): string {
    if (this.secLen === 0) return this.data.latin1Slice(-this.base, e)
    const total = this.secLen + e
    let buf = this.secBuf!
    if (buf.length < total) {
      const grown = Buffer.allocUnsafe(total)
      buf.copy(grown, 0, 0, this.secLen)
      buf = this.secBuf = grown
    }
    this.data.copy(buf, this.secLen, 0, e)
    this.secLen = 0
    return buf.latin1Slice(0, total)
  }

  /** The text of section positions `[from, to)`, wherever its bytes are kept. */
  protected sectionSlice(from: number, to: number): string {
    const b = this.base
    if (from - b >= 0) return this.data.latin1Slice(from - b, to - b)
    const left = this.secBuf!.latin1Slice(from, to < b ? to : b)
    return to > b ? left + this.data.latin1Slice(0, to - b) : left
  }

  /** Field lines of a head or trailer section (RFC 9112 §5, RFC 9110 §5.5). */
  protected fields(data: Buffer, p: number, len: number): number {
    const base = this.base
    const token = TOKEN
    const fieldValue = FIELD_VALUE
    let state = this.state
    loop: while (p < len) {
      switch (state) {
        case ST_FIELD_START: {
          const c = data[p]
          if (c === CR) {
            state = ST_SECTION_LF
            p++
            continue
          }
          if (token[c] === 1) {
            if (this.nFields >= this.maxHeaderCount) this.fail('PORTICO_ERR_TOO_MANY_HEADERS', p)
            this.nameStart = p + base
            let q = p + 1
            while (q < len && token[data[q]] === 1) q++
            if (q === len || data[q] !== COLON) {
              state = ST_NAME
              p = q
              continue
            }
            // Only names of these lengths and initials can matter to framing (see nameEnd).
            const nlen = q - p
            const initial = data[p] | 0x20
            if (
              (nlen === 14 || nlen === 17 || nlen === 10 || nlen === 16 || nlen === 7 || nlen === 6) &&
              (initial === 0x63 || initial === 0x74 || initial === 0x70 || initial === 0x75 || initial === 0x65)
            ) {
              this.nameEnd(q)
            } else {
              const j = 4 * this.nFields
              if (j + 4 > this.marks.length) this.growMarks()
              this.marks[j] = p + base
              this.marks[j + 1] = q + base
              this.kind = K_OTHER
            }
            p = q + 1
            state = ST_VALUE_OWS
            // Fast path: the whole line is in `data` and framing does not read its digits.
            const kind = this.kind
            if (kind === K_CONTENT_LENGTH) continue
            let v = p
            while (v < len && (data[v] === SP || data[v] === HTAB)) v++
            let e = v
            while (e < len && fieldValue[data[e]] === 1) e++
            if (e + 1 >= len || data[e] !== CR || data[e + 1] !== LF) continue
            let t = e
            while (t > v && (data[t - 1] === SP || data[t - 1] === HTAB)) t--
            const n = this.nFields
            this.marks[4 * n + 2] = v + base
            this.marks[4 * n + 3] = t + base
            if (kind !== K_OTHER) {
              if (kind === K_TRANSFER_ENCODING) this.teSeen = true
              this.special.push(n, kind)
              this.kind = K_OTHER
            }
            this.nFields = n + 1
            p = e + 2
            if (p + base > this.maxHeaderSize) this.checkSize(p)
            state = ST_FIELD_START
            continue
          }
          if (c === SP || c === HTAB) {
            if (this.nFields === 0 && !this.inTrailers) this.fail('PORTICO_ERR_OBS_FOLD', p + 1, 'Whitespace after the start line')
            this.fail('PORTICO_ERR_OBS_FOLD', p)
          }
          if (c === LF) this.fail('PORTICO_ERR_LF_EXPECTED', p)
          this.fail('PORTICO_ERR_INVALID_HEADER_TOKEN', p)
        }
        case ST_NAME: {
          while (p < len && token[data[p]] === 1) p++
          if (p === len) break loop
          const c = data[p]
          if (c === COLON) {
            this.nameEnd(p)
            state = ST_VALUE_OWS
            p++
            continue
          }
          // SP may precede a colon only to be refused there (RFC 9112 §5.1); HTAB never.
          if (c === SP) {
            this.wsPos = p + base
            state = ST_NAME_WS
            p++
            continue
          }
          this.fail('PORTICO_ERR_INVALID_HEADER_TOKEN', p)
        }
        case ST_NAME_WS: {
          while (p < len && data[p] === SP) p++
          if (p === len) break loop
          if (data[p] === COLON) this.fail('PORTICO_ERR_WHITESPACE_BEFORE_COLON', p)
          this.fail('PORTICO_ERR_INVALID_HEADER_TOKEN', this.wsPos - base)
        }
        case ST_VALUE_OWS: {
          while (p < len && (data[p] === SP || data[p] === HTAB)) p++
          if (p === len) break loop
          const c = data[p]
          this.valueStart = p + base
          if (c === CR) {
            this.marks[4 * this.nFields + 3] = p + base
            state = ST_VALUE_LF
            p++
            continue
          }
          if (c === LF) this.fail('PORTICO_ERR_INVALID_HEADER_VALUE', p + 1)
          if (this.kind === K_CONTENT_LENGTH) {
            if (this.clSeen) this.fail('PORTICO_ERR_INVALID_CONTENT_LENGTH', p, 'Duplicate Content-Length')
            state = ST_VALUE_CL
          } else state = ST_VALUE
          continue
        }
        case ST_VALUE: {
          while (p < len && fieldValue[data[p]] === 1) p++
          if (p === len) break loop
          const c = data[p]
          if (c === CR) {
            this.valueEnd(p)
            state = ST_VALUE_LF
            p++
            continue
          }
          if (c === LF) this.fail('PORTICO_ERR_LF_EXPECTED', p)
          this.fail('PORTICO_ERR_INVALID_HEADER_VALUE', p)
        }
        case ST_VALUE_CL: {
          for (; p < len; p++) {
            const c = data[p]
            const d = c - 0x30
            if (d >= 0 && d <= 9) {
              if (this.clSpace) this.fail('PORTICO_ERR_INVALID_CONTENT_LENGTH', p)
              this.clValue = this.clValue * 10 + d
              this.clDigits++
              if (this.clValue > U64_MAX) this.fail('PORTICO_ERR_INVALID_CONTENT_LENGTH', p + 1, 'Content-Length overflow')
            } else if (c === SP || c === HTAB) this.clSpace = true
            else if (c === CR) break
            else if (c === LF) this.fail('PORTICO_ERR_LF_EXPECTED', p)
            else this.fail('PORTICO_ERR_INVALID_CONTENT_LENGTH', p)
          }
          if (p === len) break loop
          this.valueEnd(p)
          state = ST_VALUE_LF
          p++
          continue
        }
        case ST_VALUE_LF: {
          if (data[p] !== LF) this.fail('PORTICO_ERR_BARE_CR', p)
          p++
          this.fieldDone(p)
          this.checkSize(p)
          state = ST_FIELD_START
          continue
        }
        case ST_SECTION_LF: {
          if (data[p] !== LF) this.fail('PORTICO_ERR_BARE_CR', p)
          p++
          this.checkSize(p)
          this.state = state
          this.sectionDone(p)
          return p
        }
      }
    }
    this.state = state
    return p
  }

  /** The colon after a field name at `p`: recognise the fields framing depends on. */
  private nameEnd(p: number): void {
    const n = this.nFields
    if (4 * n + 4 > this.marks.length) this.growMarks()
    const start = this.nameStart
    const end = p + this.base
    this.marks[4 * n] = start
    this.marks[4 * n + 1] = end
    let kind = K_OTHER
    if (!this.inTrailers) {
      switch (end - start) {
        case 14:
          if (this.nameIs(start, 'content-length')) kind = K_CONTENT_LENGTH
          break
        case 17:
          if (this.nameIs(start, 'transfer-encoding')) kind = K_TRANSFER_ENCODING
          break
        case 10:
          if (this.nameIs(start, 'connection')) kind = K_CONNECTION
          break
        case 16:
          if (this.nameIs(start, 'proxy-connection')) kind = K_CONNECTION
          break
        case 7:
          if (this.nameIs(start, 'upgrade')) kind = K_UPGRADE
          break
        case 6:
          if (this.nameIs(start, 'expect')) kind = K_EXPECT
          break
      }
      // RFC 9112 §6.1: a sender MUST NOT send Content-Length with Transfer-Encoding.
      if ((kind === K_TRANSFER_ENCODING && this.clSeen) || (kind === K_CONTENT_LENGTH && this.teSeen)) {
        this.fail('PORTICO_ERR_CONTENT_LENGTH_AND_TRANSFER_ENCODING', p + 1)
      }
      if (kind === K_CONTENT_LENGTH) {
        this.clValue = 0
        this.clDigits = 0
        this.clSpace = false
      }
    }
    this.kind = kind
  }

  private growMarks(): void {
    const grown = new Int32Array(this.marks.length * 2)
    grown.set(this.marks)
    this.marks = grown
  }

  private nameIs(start: number, lower: string): boolean {
    const at = start - this.base
    if (at >= 0) {
      const data = this.data
      for (let i = 0; i < lower.length; i++) if (LOWER[data[at + i]] !== lower.charCodeAt(i)) return false
      return true
    }
    for (let i = 0; i < lower.length; i++) if (LOWER[this.byteAt(start + i)] !== lower.charCodeAt(i)) return false
    return true
  }

  /** The CR ending a value at `p`: record the value without trailing whitespace. */
  private valueEnd(p: number): void {
    let end = p + this.base
    while (end > this.valueStart) {
      const c = this.byteAt(end - 1)
      if (c !== SP && c !== HTAB) break
      end--
    }
    this.marks[4 * this.nFields + 3] = end
  }

  /** A field line is complete (`p` is just past its LF). */
  private fieldDone(p: number): void {
    const n = this.nFields
    this.marks[4 * n + 2] = this.valueStart
    const kind = this.kind
    if (kind !== K_OTHER) {
      if (kind === K_CONTENT_LENGTH) {
        if (this.clDigits === 0) this.fail('PORTICO_ERR_INVALID_CONTENT_LENGTH', p, 'Empty Content-Length')
        if (this.clValue > MAX_LENGTH) this.fail('PORTICO_ERR_INVALID_CONTENT_LENGTH', p, 'Content-Length too large')
        this.clSeen = true
      } else if (kind === K_TRANSFER_ENCODING) this.teSeen = true
      this.special.push(n, kind)
      this.kind = K_OTHER
    }
    this.nFields = n + 1
  }
}
