/**
 * The client side of an event stream: bytes in, events out, per WHATWG HTML §9.2.6
 * "Interpreting an event stream". Fed in any split (a UTF-8 sequence or a CRLF may straddle two
 * chunks); a leading BOM is dropped; lines end in CRLF, LF or CR.
 * @module
 */
import { PorticoError } from '../errors.js'

/**
 * One dispatched event, as an `EventSource` sees it.
 *
 * @example
 * ```ts
 * // 'event: a\nid: 1\ndata: x\n\n' gives
 * const ev: ParsedSseEvent = { type: 'a', data: 'x', lastEventId: '1' }
 * ```
 */
export interface ParsedSseEvent {
  /** The event type; `'message'` when the stream named none. */
  type: string
  /** The data lines joined with `\n`. */
  data: string
  /** The last event id in force when the event was dispatched (`''` when none). */
  lastEventId: string
}

/**
 * What the parser calls while it reads.
 *
 * @example
 * ```ts
 * new SseStreamParser({ onEvent: (ev) => log(ev), onRetry: (ms) => (delay = ms) })
 * ```
 */
export interface SseParserCallbacks {
  /** An event is dispatched (a blank line ended a block with at least one `data` field). */
  onEvent(event: ParsedSseEvent): void
  /** A valid `retry:` field set the reconnection time. */
  onRetry?(ms: number): void
  /** A comment line (without the leading `:`). */
  onComment?(text: string): void
}

const LF = 10
const CR = 13
const DIGITS = /^[0-9]+$/

/**
 * The default {@link SseStreamParser} bound on a line and on an event's data: 1 MiB.
 *
 * @example
 * ```ts
 * new EventSource(url, { maxEventSize: 4 * DEFAULT_MAX_EVENT_SIZE })
 * ```
 */
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024

/**
 * Limits of the parser.
 *
 * @example
 * ```ts
 * new SseStreamParser({ onEvent }, { maxEventSize: 64 * 1024 })
 * ```
 */
export interface SseParserLimits {
  /**
   * The longest line, and the most data one event may gather, in UTF-16 code units (bytes for
   * ASCII). Past it `push` throws `PORTICO_ERR_SSE_EVENT_TOO_LARGE`, so a server that never
   * sends a line break cannot grow the client's memory without bound. Default 1 MiB.
   */
  maxEventSize?: number
}

/**
 * Incremental event-stream parser.
 *
 * @example
 * ```ts
 * const parser = new SseStreamParser({ onEvent: (ev) => console.log(ev.type, ev.data) })
 * parser.push(Buffer.from('event: hi\ndata: a\r'))
 * parser.push(Buffer.from('\ndata: b\n\n'))   // logs 'hi a\nb'
 * ```
 */
export class SseStreamParser {
  /** The last event id in force (kept across reconnections; see {@link SseStreamParser.reset}). */
  lastEventId = ''

  private readonly cb: SseParserCallbacks
  private readonly maxEventSize: number
  private decoder = new TextDecoder('utf-8')
  private partial = ''
  private skipLF = false
  private dataBuf = ''
  private hasData = false
  private typeBuf = ''
  private idBuf = ''

  constructor(callbacks: SseParserCallbacks, limits: SseParserLimits = {}) {
    this.cb = callbacks
    this.maxEventSize = limits.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE
  }

  /**
   * Feeds bytes (any split). Throws `PORTICO_ERR_SSE_EVENT_TOO_LARGE` when a line or an event's
   * data passes `maxEventSize`; the stream is then unusable until {@link SseStreamParser.reset}.
   */
  push(chunk: Uint8Array): void {
    let text = this.decoder.decode(chunk, { stream: true })
    if (text.length === 0) return
    if (this.skipLF) {
      this.skipLF = false
      if (text.charCodeAt(0) === LF) text = text.slice(1)
    }
    let start = 0
    const n = text.length
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i)
      if (c !== LF && c !== CR) continue
      const line = start === 0 && this.partial !== '' ? this.partial + text.slice(0, i) : text.slice(start, i)
      if (start === 0) this.partial = ''
      if (c === CR) {
        if (i + 1 < n) {
          if (text.charCodeAt(i + 1) === LF) i++
        } else {
          this.skipLF = true
        }
      }
      start = i + 1
      if (line.length > this.maxEventSize) this.tooLarge('line')
      this.line(line)
    }
    if (start < n) this.partial = start === 0 ? this.partial + text : text.slice(start)
    if (this.partial.length > this.maxEventSize) this.tooLarge('line')
  }

  /**
   * Starts a new stream (a reconnection): drops the partial line and the pending event, keeps
   * {@link SseStreamParser.lastEventId} as the spec says.
   */
  reset(): void {
    this.decoder = new TextDecoder('utf-8')
    this.partial = ''
    this.skipLF = false
    this.dataBuf = ''
    this.hasData = false
    this.typeBuf = ''
    this.idBuf = this.lastEventId
  }

  private line(line: string): void {
    if (line.length === 0) return this.dispatch()
    const colon = line.indexOf(':')
    if (colon === 0) {
      this.cb.onComment?.(line.charCodeAt(1) === 32 ? line.slice(2) : line.slice(1))
      return
    }
    let field: string
    let value: string
    if (colon === -1) {
      field = line
      value = ''
    } else {
      field = line.slice(0, colon)
      value = line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1)
    }
    switch (field) {
      case 'data':
        this.dataBuf = this.hasData ? this.dataBuf + '\n' + value : value
        this.hasData = true
        if (this.dataBuf.length > this.maxEventSize) this.tooLarge('event')
        break
      case 'event':
        this.typeBuf = value
        break
      case 'id':
        if (!value.includes('\0')) this.idBuf = value
        break
      case 'retry':
        if (DIGITS.test(value)) this.cb.onRetry?.(Number(value))
        break
      default:
    }
  }

  private tooLarge(what: 'line' | 'event'): never {
    this.partial = ''
    this.dataBuf = ''
    this.hasData = false
    throw new PorticoError('PORTICO_ERR_SSE_EVENT_TOO_LARGE', `An SSE ${what} passed maxEventSize (${this.maxEventSize})`)
  }

  private dispatch(): void {
    this.lastEventId = this.idBuf
    if (!this.hasData) {
      this.typeBuf = ''
      return
    }
    const event: ParsedSseEvent = { type: this.typeBuf === '' ? 'message' : this.typeBuf, data: this.dataBuf, lastEventId: this.lastEventId }
    this.dataBuf = ''
    this.hasData = false
    this.typeBuf = ''
    this.cb.onEvent(event)
  }
}
