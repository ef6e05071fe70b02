/**
 * The chunked transfer coding, reading side (RFC 9112 §7.1): chunk-size lines, chunk
 * extensions (kept raw, bounded by `maxChunkExtensionSize`) and the CRLF after chunk data.
 * The trailer section that follows the last chunk is read by {@link FieldParser}.
 * @module
 */
import { HEX, QDTEXT, TOKEN } from './char-tables.js'
import { FieldParser } from './field-parser.js'
import * as states from './parser-states.js'
import type { ChunkExtension, MessageHead } from './types.js'

// Module-local copies: V8 reads these faster than namespace properties in the hot loops.
const { BACKSLASH, CR, DQUOTE, EQUALS, HTAB, LF, MAX_LENGTH, SEMI, SP, ST_CHUNK_DATA,
  ST_CHUNK_DATA_CR, ST_CHUNK_DATA_LF, ST_CHUNK_SIZE, ST_CHUNK_SIZE_LF, ST_CHUNK_SIZE_SP,
  ST_CHUNK_SIZE_START, ST_EXT_NAME, ST_EXT_NAME_START, ST_EXT_QUOTED, ST_EXT_QUOTED_END,
  ST_EXT_QUOTED_ESC, ST_EXT_VALUE, ST_EXT_VALUE_START, ST_FIELD_START } = states

const EMPTY_EXTENSIONS: ChunkExtension[] = []

/**
 * Chunked bodies, shared by both parsers through {@link Http1Parser}.
 *
 * @example
 * ```ts
 * // internal: RequestParser → Http1Parser → ChunkParser → FieldParser
 * ```
 */
export abstract class ChunkParser<Head extends MessageHead> extends FieldParser<Head> {
  /** Bytes left in the current Content-Length body or chunk (or preface). */
  protected remaining = 0
  private chunkSize = 0
  private extBytes = 0
  private extensions: ChunkExtension[] = EMPTY_EXTENSIONS
  private extName = ''
  private extValue: string | null = null
  private extStart = 0

  /** Chunk-size lines, extensions and the CRLF after chunk data (RFC 9112 §7.1, §7.1.1). */
  protected chunkLine(data: Buffer, p: number, len: number): number {
    let state = this.state
    loop: while (p < len) {
      const c = data[p]
      switch (state) {
        case ST_CHUNK_SIZE_START: {
          const h = HEX[c]
          if (h < 0) this.fail('PORTICO_ERR_INVALID_CHUNK_SIZE', p)
          this.chunkSize = h
          this.extBytes = 0
          this.extensions = EMPTY_EXTENSIONS
          state = ST_CHUNK_SIZE
          p++
          continue
        }
        case ST_CHUNK_SIZE: {
          const h = HEX[c]
          if (h >= 0) {
            this.chunkSize = this.chunkSize * 16 + h
            if (this.chunkSize > MAX_LENGTH) this.fail('PORTICO_ERR_CHUNK_SIZE_OVERFLOW', p + 1)
            p++
            continue
          }
          if (c === CR) state = ST_CHUNK_SIZE_LF
          else if (c === SEMI) {
            state = ST_EXT_NAME_START
            if (this.cb.onChunkHeader !== undefined) this.extensions = []
          } else if (c === SP) state = ST_CHUNK_SIZE_SP
          else this.fail('PORTICO_ERR_INVALID_CHUNK_SIZE', p)
          p++
          continue
        }
        case ST_CHUNK_SIZE_SP:
          this.fail('PORTICO_ERR_INVALID_CHUNK_SIZE', p)
        case ST_CHUNK_SIZE_LF: {
          if (c !== LF) this.fail('PORTICO_ERR_BARE_CR', p)
          p++
          this.chunkHeaderDone(p)
          return p
        }
        case ST_CHUNK_DATA_CR:
          if (c !== CR) this.fail('PORTICO_ERR_INVALID_CHUNK_TERMINATOR', p)
          state = ST_CHUNK_DATA_LF
          p++
          continue
        case ST_CHUNK_DATA_LF:
          if (c !== LF) this.fail('PORTICO_ERR_INVALID_CHUNK_TERMINATOR', p)
          state = ST_CHUNK_SIZE_START
          p++
          continue
        default: {
          p = this.extension(data, p, len, state)
          state = this.state
          if (state === ST_CHUNK_SIZE_LF) continue
          break loop
        }
      }
    }
    this.state = state
    return p
  }

  /** A chunk-size line is complete (`p` just past its LF). */
  private chunkHeaderDone(p: number): void {
    const size = this.chunkSize
    if (this.cb.onChunkHeader !== undefined) this.cb.onChunkHeader(size, this.extensions)
    if (size === 0) {
      this.beginSection(p, true)
      this.state = ST_FIELD_START
    } else {
      this.remaining = size
      this.state = ST_CHUNK_DATA
    }
  }

  /**
   * Chunk extensions: `*( ";" token [ "=" ( token / quoted-string ) ] )` with no whitespace
   * (RFC 9112 §7.1.1); names and values kept raw (quotes included).
   */
  private extension(data: Buffer, p: number, len: number, state: number): number {
    const keep = this.extensions !== EMPTY_EXTENSIONS
    const start = p
    for (; p < len; p++) {
      const c = data[p]
      switch (state) {
        case ST_EXT_NAME_START:
          if (TOKEN[c] !== 1) this.fail('PORTICO_ERR_INVALID_CHUNK_EXTENSION', c === CR ? p + 1 : p)
          this.extStart = p
          this.extName = ''
          this.extValue = null
          state = ST_EXT_NAME
          continue
        case ST_EXT_NAME:
          if (TOKEN[c] === 1) continue
          if (keep) this.extName += data.latin1Slice(this.extStart, p)
          if (c === EQUALS) {
            state = ST_EXT_VALUE_START
            continue
          }
          break
        case ST_EXT_VALUE_START:
          this.extStart = p
          this.extValue = ''
          if (c === DQUOTE) state = ST_EXT_QUOTED
          else if (TOKEN[c] === 1) state = ST_EXT_VALUE
          else this.fail('PORTICO_ERR_INVALID_CHUNK_EXTENSION', p)
          continue
        case ST_EXT_VALUE:
          if (TOKEN[c] === 1) continue
          if (keep) this.extValue += data.latin1Slice(this.extStart, p)
          break
        case ST_EXT_QUOTED:
          if (QDTEXT[c] === 1) continue
          if (c === BACKSLASH) state = ST_EXT_QUOTED_ESC
          else if (c === DQUOTE) state = ST_EXT_QUOTED_END
          else this.fail('PORTICO_ERR_INVALID_CHUNK_EXTENSION', c === CR ? p + 1 : p)
          continue
        case ST_EXT_QUOTED_ESC:
          if (c !== HTAB && (c < 0x20 || c === 0x7f)) this.fail('PORTICO_ERR_INVALID_CHUNK_EXTENSION', p)
          state = ST_EXT_QUOTED
          continue
        default:
          if (keep) this.extValue += data.latin1Slice(this.extStart, p)
          break
      }
      // After a name or a value: `;` starts the next extension, CR ends the line.
      if (keep) this.extensions.push([this.extName, this.extValue])
      if (c === SEMI) {
        state = ST_EXT_NAME_START
        continue
      }
      if (c !== CR) this.fail('PORTICO_ERR_INVALID_CHUNK_EXTENSION', p)
      this.countExtension(p + 1 - start, p + 1)
      this.state = ST_CHUNK_SIZE_LF
      return p + 1
    }
    this.countExtension(p - start, p)
    this.state = state
    return p
  }

  /** Counts `n` more extension bytes, ending at `end`; fails at the first byte past the limit. */
  private countExtension(n: number, end: number): void {
    this.extBytes += n
    const over = this.extBytes - this.maxChunkExtensionSize
    if (over > 0) this.fail('PORTICO_ERR_CHUNK_EXTENSIONS_TOO_LARGE', end - over)
  }

  /** The chunk ended inside an extension: keep what was read of its name or value. */
  protected saveExtension(len: number): void {
    if (this.extensions === EMPTY_EXTENSIONS) return
    const st = this.state
    if (st === ST_EXT_NAME) this.extName += this.data.latin1Slice(this.extStart, len)
    else if (st === ST_EXT_VALUE || st === ST_EXT_QUOTED || st === ST_EXT_QUOTED_ESC || st === ST_EXT_QUOTED_END) {
      this.extValue += this.data.latin1Slice(this.extStart, len)
    }
    this.extStart = 0
  }
}
