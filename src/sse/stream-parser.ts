/**
 * The client side of an event stream: bytes in, events out, per WHATWG HTML §9.2.6
 * "Interpreting an event stream". Fed in any split (a UTF-8 sequence or a CRLF may straddle two
 * chunks); a leading BOM is dropped; lines end in CRLF, LF or CR.
 * @module
 */

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
  private decoder = new TextDecoder('utf-8')
  private partial = ''
  private skipLF = false
  private dataBuf = ''
  private hasData = false
  private typeBuf = ''
  private idBuf = ''

  constructor(callbacks: SseParserCallbacks) {
    this.cb = callbacks
  }

  /** Feeds bytes (any split). */
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
      this.line(line)
    }
    if (start < n) this.partial = start === 0 ? this.partial + text : text.slice(start)
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
