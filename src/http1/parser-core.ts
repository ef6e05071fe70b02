/**
 * What the request and the response parsers share, on top of the field lines
 * ({@link FieldParser}) and chunked bodies ({@link ChunkParser}): the incremental byte loop,
 * the protocol version (RFC 9112 §2.3), message framing (RFC 9112 §6), Content-Length and
 * until-close bodies, keep-alive (RFC 9112 §9.3), protocol switches, halting between messages
 * and the end of input.
 * The subclasses parse their own start line and build their own head.
 * @module
 */
import { HttpParseError } from '../errors.js'
import { ChunkParser } from './chunk-parser.js'
import { classifyConnection, transferCodings } from './framing.js'
import type { HeadBase } from './message-head.js'
import * as states from './parser-states.js'
import type { MessageHead } from './types.js'

// Module-local copies: V8 reads these faster than namespace properties in the hot loops.
const { CR, K_CONNECTION, K_EXPECT, K_TRANSFER_ENCODING, K_UPGRADE, LF, ST_AFTER_VERSION,
  ST_BODY_CL, ST_BODY_EOF, ST_CHUNK_DATA, ST_CHUNK_DATA_CR, ST_CHUNK_SIZE_START, ST_DEAD, ST_DOT,
  ST_EXT_NAME, ST_EXT_QUOTED_END, ST_FIELD_START, ST_HALTED, ST_LAST_SECTION, ST_MAJOR, ST_METHOD,
  ST_MINOR, ST_PRI, ST_PROTO, ST_START, ST_UPGRADED } = states

const PROTOCOLS = ['HTTP/', 'RTSP/', 'ICE/']

/**
 * The shared engine of {@link RequestParser} and {@link ResponseParser}; not used directly.
 *
 * @example
 * ```ts
 * class MyParser extends Http1Parser<ParsedRequestHead> { … }
 * ```
 */
export abstract class Http1Parser<Head extends MessageHead> extends ChunkParser<Head> {
  /** `true` once a message switched protocols; `execute` consumes nothing until `reset()`. */
  upgraded = false
  /** `true` when the switch was the HTTP/2 connection preface (`PRI * HTTP/2.0`). */
  h2Preface = false
  // Start line and version (filled by the subclasses).
  protected major = 1
  protected minor = 1
  private protoMask = 7
  private protoIdx = 0
  private keepAliveCur = true
  private upgradeCur = false
  private closed = false

  /**
   * `true` between messages: nothing of a next message was read yet (the empty lines skipped
   * before a start line, RFC 9112 §2.2, do not count).
   *
   * @example
   * ```ts
   * parser.execute(Buffer.from('\r\n')); parser.betweenMessages // true
   * ```
   */
  get betweenMessages(): boolean {
    return this.state === ST_START || this.state === ST_HALTED
  }

  /**
   * `true` while the parser is stopped by {@link halt}.
   *
   * @example
   * ```ts
   * if (parser.halted) parser.resume()
   * ```
   */
  get halted(): boolean {
    return this.state === ST_HALTED
  }

  /**
   * Stops the parser at the end of the message just completed: the `execute` call under way
   * returns at once with the offset where that message ended (the bytes after it are not
   * parsed), and later calls consume nothing (return 0) until {@link resume} or {@link reset}.
   * What a client uses to read one response per request, and see the bytes that follow it.
   *
   * Call it from `onComplete`, or between `execute` calls when no message is under way
   * ({@link betweenMessages}); in the middle of a message it throws `PORTICO_ERR_PARSER_STATE`.
   * A parser already stopped (protocol switch, error) stays as it is. It costs the byte loop
   * nothing: halting is a state, tested with the protocol switch's.
   *
   * @example
   * ```ts
   * const parser = new ResponseParser({ onHead, onBody, onComplete: () => parser.halt() })
   * const used = parser.execute(chunk)
   * if (parser.halted) {
   *   const extra = chunk.subarray(used) // after the response: not the start of another one
   *   parser.resume() // once the next request is sent
   * }
   * ```
   */
  halt(): void {
    const st = this.state
    if (st === ST_START) this.state = ST_HALTED
    else if (st < ST_HALTED) throw new HttpParseError('PORTICO_ERR_PARSER_STATE', 0, 'halt() is only possible between messages')
  }

  /**
   * Parses again after {@link halt}: the next byte is the start of the next message on the same
   * connection (what the connection announced, such as `Connection: close`, still holds;
   * {@link reset} forgets it). Does nothing unless halted.
   *
   * @example
   * ```ts
   * parser.resume()
   * parser.execute(nextResponseBytes)
   * ```
   */
  resume(): void {
    if (this.state === ST_HALTED) this.state = ST_START
  }

  /** Parses the start line from `p`; returns where it stopped (the state says what is next). */
  protected abstract startLine(data: Buffer, p: number, len: number): number
  /** Builds the head from the decoded section `str` (start line fields and `raw`). */
  protected abstract makeHead(str: string, raw: string[]): HeadBase
  /** The head about to be announced is a request for CONNECT. */
  protected abstract isConnect(): boolean

  /**
   * Parses `data`, calling the callbacks for every message it completes. Returns the bytes
   * consumed: `data.length`, or, when a message switched protocols, the offset where the
   * other protocol's bytes begin, or, when `onComplete` called {@link halt}, the offset where
   * the message ended. Throws `HttpParseError` on a protocol error.
   *
   * @example
   * ```ts
   * const used = parser.execute(chunk)
   * if (parser.upgraded) handOver(chunk.subarray(used))
   * ```
   */
  execute(data: Buffer): number {
    if (this.state >= ST_HALTED) {
      if (this.state !== ST_DEAD) return 0
      throw new HttpParseError('PORTICO_ERR_PARSER_STATE', 0)
    }
    const len = data.length
    this.data = data
    if (this.state !== ST_START && this.state <= ST_LAST_SECTION) this.base = this.secLen
    let p = 0
    while (p < len) {
      const st = this.state
      if (st === ST_START) p = this.messageStart(data, p, len)
      else if (st < ST_FIELD_START) p = this.startLine(data, p, len)
      else if (st <= ST_LAST_SECTION) p = this.fields(data, p, len)
      else if (st === ST_BODY_CL || st === ST_CHUNK_DATA) p = this.bodyBytes(data, p, len)
      else if (st === ST_BODY_EOF) {
        this.cb.onBody(p === 0 ? data : data.subarray(p))
        p = len
      } else if (st === ST_PRI) p = this.preface(data, p, len)
      else p = this.chunkLine(data, p, len)
      // Halted or upgraded (errors throw): the bytes from `p` on are not this parser's.
      if (this.state >= ST_HALTED) return p
    }
    const st = this.state
    if (st !== ST_START && st <= ST_LAST_SECTION) this.saveSection(len)
    else if (st >= ST_EXT_NAME && st <= ST_EXT_QUOTED_END) this.saveExtension(len)
    return len
  }

  /**
   * Signals the end of the input (the peer closed). Completes a body read until close;
   * throws `PORTICO_ERR_INVALID_EOF` in the middle of any other message.
   *
   * @example
   * ```ts
   * socket.on('end', () => parser.finish())
   * ```
   */
  finish(): void {
    const st = this.state
    if (st === ST_START || st >= ST_HALTED) return
    if (st === ST_BODY_EOF) {
      this.state = ST_START
      this.closed = true
      this.cb.onComplete()
      return
    }
    this.state = ST_DEAD
    throw new HttpParseError('PORTICO_ERR_INVALID_EOF', 0)
  }

  /**
   * Makes the parser ready for a new connection (after an error, a protocol switch or a
   * {@link halt}).
   *
   * @example
   * ```ts
   * parser.reset()
   * ```
   */
  reset(): void {
    this.state = ST_START
    this.upgraded = false
    this.h2Preface = false
    this.closed = false
    this.secLen = 0
    this.base = 0
  }

  private messageStart(data: Buffer, p: number, len: number): number {
    while (p < len && (data[p] === CR || data[p] === LF)) p++
    if (p === len) return p
    if (this.closed) this.fail('PORTICO_ERR_DATA_AFTER_CLOSE', p + 1)
    this.beginSection(p, false)
    this.clSeen = false
    this.teSeen = false
    this.special.length = 0
    this.protoMask = 7
    this.protoIdx = 0
    this.state = this.firstState()
    return p
  }

  /** The protocol name was `HTTP/` (its `/` at `p`); the request parser checks the method. */
  protected abstract httpProtocol(p: number): void
  /** Whether this parser accepts version `major.minor`. */
  protected abstract versionOk(major: number, minor: number): boolean

  /**
   * `HTTP-version = HTTP-name "/" DIGIT "." DIGIT` (RFC 9112 §2.3). llhttp's other protocol
   * names (RTSP, ICE) are recognised only to be refused where llhttp reports them.
   */
  protected protocolVersion(data: Buffer, p: number, len: number): number {
    let state = this.state
    while (p < len) {
      const c = data[p]
      switch (state) {
        case ST_PROTO: {
          if (this.protoIdx === 0 && p + 5 <= len && c === 0x48 && data[p + 1] === 0x54 && data[p + 2] === 0x54 && data[p + 3] === 0x50 && data[p + 4] === 0x2f) {
            this.httpProtocol(p + 4)
            state = ST_MAJOR
            p += 5
            continue
          }
          const idx = this.protoIdx
          let mask = 0
          for (let k = 0; k < 3; k++) if ((this.protoMask & (1 << k)) !== 0 && PROTOCOLS[k].charCodeAt(idx) === c) mask |= 1 << k
          if (mask === 0) this.fail('PORTICO_ERR_INVALID_CONSTANT', p)
          this.protoMask = mask
          this.protoIdx = idx + 1
          for (let k = 0; k < 3; k++) {
            if ((mask & (1 << k)) === 0 || PROTOCOLS[k].length !== idx + 1) continue
            if (k !== 0) this.fail('PORTICO_ERR_VERSION_NOT_SUPPORTED', p, 'Only HTTP is spoken here')
            this.httpProtocol(p)
            state = ST_MAJOR
          }
          p++
          continue
        }
        case ST_MAJOR: {
          const d = c - 0x30
          if (d < 0 || d > 9) this.fail('PORTICO_ERR_INVALID_VERSION', p)
          this.major = d
          state = ST_DOT
          p++
          continue
        }
        case ST_DOT:
          if (c !== 0x2e) this.fail('PORTICO_ERR_INVALID_VERSION', p)
          state = ST_MINOR
          p++
          continue
        default: {
          const d = c - 0x30
          if (d < 0 || d > 9) this.fail('PORTICO_ERR_INVALID_VERSION', p)
          this.minor = d
          if (!this.versionOk(this.major, d)) this.fail('PORTICO_ERR_VERSION_NOT_SUPPORTED', p + 1)
          this.state = ST_AFTER_VERSION
          return p + 1
        }
      }
    }
    this.state = state
    return p
  }

  /** The first state of a message (method or protocol). */
  protected abstract firstState(): number

  /** The empty line ending a section; `p` is just past it. */
  protected sectionDone(p: number): void {
    const str = this.sectionString(p)
    const n = this.nFields
    const m = this.marks
    const raw = new Array<string>(2 * n)
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      raw[2 * i] = str.slice(m[j], m[j + 1])
      raw[2 * i + 1] = str.slice(m[j + 2], m[j + 3])
    }
    if (this.inTrailers) {
      if (n > 0 && this.cb.onTrailers !== undefined) this.cb.onTrailers(raw)
      this.complete()
      return
    }
    this.headDone(this.makeHead(str, raw), p)
  }

  /** Framing, keep-alive and upgrade of a complete head, then `onHead` and the body. */
  private headDone(head: HeadBase, p: number): void {
    const isRequest = this.firstState() === ST_METHOD
    const raw = head.rawHeaders
    const special = this.special
    let close = false
    let keepAlive = false
    let connUpgrade = false
    let hasUpgrade = false
    let expect = false
    let teFields: number[] | null = null
    for (let i = 0; i < special.length; i += 2) {
      const n = special[i]
      switch (special[i + 1]) {
        case K_CONNECTION: {
          const bits = classifyConnection(raw[2 * n + 1])
          if ((bits & 1) !== 0) close = true
          if ((bits & 2) !== 0) keepAlive = true
          if ((bits & 4) !== 0) connUpgrade = true
          break
        }
        case K_UPGRADE:
          // An empty Upgrade names no protocol (llhttp ignores it too).
          if (raw[2 * n + 1].length > 0) hasUpgrade = true
          break
        case K_EXPECT:
          if (raw[2 * n + 1].toLowerCase() === '100-continue') expect = true
          break
        case K_TRANSFER_ENCODING:
          if (teFields === null) teFields = []
          teFields.push(n)
          break
      }
    }
    let chunked = false
    if (teFields !== null) {
      const r = transferCodings(raw, teFields, this.marks, isRequest)
      if (r.error !== null) this.fail(r.error, r.errorAt >= 0 ? r.errorAt - this.base : p)
      chunked = r.chunked
    }
    const major = this.major
    const minor = this.minor
    head.versionMajor = major
    head.versionMinor = minor
    head.httpVersion = major === 1 ? (minor === 1 ? '1.1' : '1.0') : `${major}.${minor}`
    head.chunked = chunked
    const contentLength = this.clSeen ? this.clValue : -1
    head.contentLength = contentLength
    let ka = major === 1 && minor === 1 ? !close : keepAlive
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing: close after it.
    if (this.teSeen && minor !== 1) ka = false
    let upgrade: boolean
    let noBody = false
    let needsEof = false
    if (isRequest) {
      upgrade = (hasUpgrade && connUpgrade) || this.isConnect()
      if (expect && major === 1 && minor === 1) (head as HeadBase & { expectContinue: boolean }).expectContinue = true
    } else {
      const status = (head as HeadBase & { statusCode: number }).statusCode
      upgrade = status === 101
      noBody = status < 200 || status === 204 || status === 304
      needsEof = !noBody && ((this.teSeen && !chunked) || (!chunked && contentLength < 0))
    }
    head.upgrade = upgrade
    head.keepAlive = ka && !needsEof
    const skip = this.cb.onHead(head as unknown as Head) === true
    if (skip && needsEof) {
      needsEof = false
      head.keepAlive = ka
    }
    ka = head.keepAlive
    this.keepAliveCur = ka
    this.upgradeCur = upgrade
    const hasBody = chunked || contentLength > 0
    if (skip || noBody || (upgrade && (!isRequest || !hasBody || this.isConnect()))) this.complete()
    else if (chunked) this.state = ST_CHUNK_SIZE_START
    else if (contentLength > 0) {
      this.remaining = contentLength
      this.state = ST_BODY_CL
    } else if (needsEof) this.state = ST_BODY_EOF
    else this.complete()
  }

  /** The message is complete: announce it, then switch protocols or wait for the next. */
  private complete(): void {
    if (this.upgradeCur) {
      this.state = ST_UPGRADED
      this.upgraded = true
    } else {
      this.state = ST_START
      if (!this.keepAliveCur) this.closed = true
    }
    this.cb.onComplete()
  }

  /** Content-Length bodies and chunk data: hand out views of `data`. */
  private bodyBytes(data: Buffer, p: number, len: number): number {
    const avail = len - p
    const n = avail < this.remaining ? avail : this.remaining
    this.remaining -= n
    this.cb.onBody(p === 0 && n === len ? data : data.subarray(p, p + n))
    p += n
    if (this.remaining === 0) {
      if (this.state === ST_BODY_CL) this.complete()
      else this.state = ST_CHUNK_DATA_CR
    }
    return p
  }

  /** `PRI * HTTP/2.0\r\n` was read: the rest of the preface is `\r\nSM\r\n\r\n`. */
  private preface(data: Buffer, p: number, len: number): number {
    const rest = '\r\nSM\r\n\r\n'
    while (p < len) {
      if (data[p] !== rest.charCodeAt(this.remaining)) this.fail('PORTICO_ERR_INVALID_CONSTANT', p)
      p++
      if (++this.remaining === rest.length) {
        this.state = ST_UPGRADED
        this.upgraded = true
        this.h2Preface = true
        return p
      }
    }
    return p
  }

  /** Enters the HTTP/2 preface state (the request line was `PRI * HTTP/2.0`). */
  protected enterPreface(): void {
    this.remaining = 0
    this.state = ST_PRI
  }
}
