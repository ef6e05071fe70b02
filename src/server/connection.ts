/**
 * One client connection: feeds socket bytes to the request parser, keeps the pending
 * responses in request order (pipelining, RFC 9112 §9.3.2), applies keep-alive, backpressure
 * and the parser's limits, and hands the socket over on upgrade. Works on any `Duplex`.
 *
 * Backpressure both ways: reading stops while a streaming body reader lags, while
 * `maxPendingResponses` responses are pending, and while the socket's write buffer is over its
 * high-water mark (a client that pipelines and never reads). A request whose head is parsed in
 * the last two cases (the rest of a read already taken) is routed but *parked*: its handler
 * starts once the output has room again (`'drain'`, or an older response done), so the bytes
 * held for a client stay bounded by about one response per pending slot.
 * @module
 */
import type { Duplex } from 'node:stream'
import { RequestParser } from '../http1/request-parser.js'
import type { RequestHead } from '../http1/types.js'
import { HttpError, PorticoError } from '../errors.js'
import { BodyReader, type BodySource } from './body-reader.js'
import { PorticoRequest } from './request.js'
import { PorticoResponse, type ResponseSink } from './response.js'
import { answerError, isHeld, runHeld, startRequest } from './dispatch.js'
import { closingAnswer, CONTINUE_LINE } from './status-line.js'
import type { Server } from './server.js'
import { handOver } from './hand-over.js'
import { headRefusal } from './head-rules.js'
import { ResponseQueue } from './response-queue.js'
import type { SweepState } from './timeouts.js'

const IDLE = 0
const BODY = 1
/** Reading paused because too many responses are pending / a streaming body reader lags /
 * requests are parked until the output has room. */
const PAUSE_PIPELINE = 1
const PAUSE_BODY = 2
const PAUSE_OUTPUT = 4
/** How long a closing socket may keep sending (unread) bytes before it is destroyed. */
const LINGER_MS = 2000
/**
 * How long a graceful stop waits for the first request of a connection accepted just before
 * it, or for the next request after a response that went out with keep-alive: closing such a
 * socket at once would drop a request the client has already sent.
 */
const FRESH_GRACE_MS = 1000
const EMPTY = Buffer.alloc(0)

/**
 * The engine's state for one socket.
 *
 * @example
 * ```ts
 * const conn = new Connection(server, socket) // what server.serve(socket) does
 * ```
 */
export class Connection implements ResponseSink, BodySource {
  readonly socket: Duplex
  /** @internal timestamps (server clock) for the timeout sweep */
  headStart: number
  idleSince: number
  lastActivity: number
  /** No keep-alive after the responses now pending. */
  closing = false
  closed = false
  /** The socket was ended (its last bytes written). */
  private ended = false
  private phase = IDLE
  private headPending = false
  private readonly server: Server
  private readonly parser: RequestParser
  private readonly out: ResponseQueue
  private current: PorticoRequest<any> | undefined = undefined
  private currentRes: PorticoResponse | undefined = undefined
  private currentLimit = Infinity
  private upgradeRes: PorticoResponse | undefined = undefined
  private discarding = false
  private detached = false
  private pausedBy = 0
  /** Responses whose handler waits for room in the output, oldest first (see the module doc). */
  private parked: PorticoResponse[] | undefined = undefined
  private unparking = false
  /** The socket's write high-water mark: past it, new requests are parked. */
  private readonly outputLimit: number
  private lingerTimer: NodeJS.Timeout | undefined = undefined
  private graceTimer: NodeJS.Timeout | undefined = undefined
  /** Requests whose head arrived on this connection. */
  private requests = 0
  private finalAnswer: string | undefined = undefined
  private readonly listeners: Record<string, (...args: any[]) => void>

  constructor(server: Server, socket: Duplex) {
    this.server = server
    this.socket = socket
    this.out = new ResponseQueue(socket)
    this.outputLimit = socket.writableHighWaterMark
    const now = server.clock
    this.headStart = now
    this.idleSince = now
    this.lastActivity = now
    this.parser = new RequestParser(
      {
        onHead: (head) => this.onHead(head),
        onBody: (chunk) => this.onBody(chunk),
        onComplete: () => this.onComplete(),
      },
      server.config.parserLimits,
    )
    this.listeners = {
      data: (chunk: Buffer) => this.onData(chunk),
      end: () => this.onEnd(),
      close: () => this.onClose(),
      error: () => this.destroy(),
      drain: () => this.onDrain(),
    }
    for (const [event, listener] of Object.entries(this.listeners)) socket.on(event, listener)
  }

  /** Responses not yet complete. */
  get pendingResponses(): number {
    return this.out.length
  }

  /** Nothing in flight: no partial head, no request being read, no response pending. */
  get idle(): boolean {
    return this.out.length === 0 && this.phase === IDLE && !this.headPending
  }

  private onData(chunk: Buffer): void {
    if (this.discarding || this.detached) return
    const clock = this.server.clock
    this.lastActivity = clock
    if (this.phase === IDLE && !this.headPending) this.headStart = clock
    this.out.beginGather()
    try {
      const parser = this.parser
      const used = parser.execute(chunk)
      if (parser.upgraded) this.switched(chunk, used)
      // A head is pending once the parser is inside one: the CRLFs it skips between messages
      // (RFC 9112 §2.2) leave the connection idle.
      else if (this.phase === IDLE && !this.headPending && !parser.betweenMessages) this.headPending = true
    } catch (err) {
      this.parseFailed(err)
    }
    this.out.endGather()
    // parked on bytes gathered in this read, which the kernel then took at once: no 'drain' comes
    if (this.parked !== undefined && !this.socket.writableNeedDrain) this.unpark()
  }

  /** The parser stopped at a protocol switch: hand over to the upgrade handler, or refuse HTTP/2. */
  private switched(chunk: Buffer, used: number): void {
    const res = this.upgradeRes
    this.upgradeRes = undefined
    if (res === undefined) {
      // The HTTP/2 connection preface (RFC 9113 §3.4): only HTTP/1.x is spoken here.
      if (this.parser.h2Preface && !this.discarding) this.refuse(505)
      return
    }
    if (res.finished || this.ended) return
    res.req.upgradeHead = used < chunk.length ? chunk.subarray(used) : EMPTY
    this.pause(PAUSE_BODY)
    this.discarding = true
    if (this.parked !== undefined) this.parked.push(res)
    else runHeld(this.server, res)
  }

  private onHead(head: RequestHead): void {
    if (this.discarding) return
    this.requests++
    this.headPending = false
    const refusal = headRefusal(head)
    if (refusal !== 0) {
      this.refuse(refusal)
      return
    }
    this.phase = BODY
    const server = this.server
    if (head.upgrade && head.httpVersion !== '1.1' && head.method !== 'CONNECT') {
      // RFC 9110 §7.8: a server MUST ignore Upgrade in an HTTP/1.0 request. The parser stops
      // after the message all the same (as llhttp does): close once it is answered.
      ;(head as { upgrade: boolean }).upgrade = false
      this.closing = true
    }
    const body = head.chunked || head.contentLength > 0 ? new BodyReader(this) : undefined
    const req = new PorticoRequest<any>(server, head, this.socket, body)
    const keepAlive = head.keepAlive && !this.closing
    if (!keepAlive) this.closing = true
    const res = new PorticoResponse(req, this, keepAlive)
    this.out.pending.push(res)
    if (this.out.length >= server.config.maxPendingResponses) this.pause(PAUSE_PIPELINE)
    this.current = req
    this.currentRes = res
    if (head.upgrade) {
      // Routed now (body limit, accept, 100-continue); the handler starts once the parser has
      // switched, after the body if there is one, when the bytes that follow are known.
      res.keepAlive = false
      this.upgradeRes = res
      this.currentLimit = startRequest(server, req, res, this, 'upgrade')
      return
    }
    if (this.parked !== undefined || this.out.length > server.config.maxPendingResponses || this.backlogged()) {
      this.currentLimit = startRequest(server, req, res, this, 'output')
      if (isHeld(res)) this.park(res)
      return
    }
    this.currentLimit = startRequest(server, req, res, this)
  }

  private onBody(chunk: Buffer): void {
    const req = this.current
    if (req === undefined || this.discarding) return
    const body = req.bodyReader as BodyReader
    if (body.receivedBytes + chunk.length > this.currentLimit) {
      this.rejectBody(413)
      return
    }
    body.push(chunk)
  }

  private onComplete(): void {
    this.current?.bodyReader?.finish()
    this.current = undefined
    this.currentRes = undefined
    this.phase = IDLE
    this.headPending = false
    this.headStart = this.server.clock
    if (this.closing) {
      this.discarding = true
      if (this.out.length === 0) this.endSocket()
    }
  }

  /** Answers `status` for the request whose body is being read, and stops reading. */
  rejectBody(status: number): void {
    const req = this.current
    const res = this.currentRes
    this.discarding = true
    this.closing = true
    if (res !== undefined && res === this.upgradeRes) this.upgradeRes = undefined
    const error = status === 413 ? new PorticoError('PORTICO_ERR_REQUEST_TOO_LARGE') : new HttpError(status)
    req?.bodyReader?.fail(error)
    if (res === undefined || res.headersSent) {
      if (res !== undefined && !res.finished) this.destroy()
      else this.closeAfterPending()
      return
    }
    res.keepAlive = false
    if (!res.finished) answerError(res, status)
  }

  /** Stops reading the request: the connection closes after the responses now pending. */
  stopReading(): void {
    this.discarding = true
    this.closing = true
  }

  /** Writes `100 Continue` for `res` (in order). */
  writeContinue(res: PorticoResponse): void {
    this.write(res, CONTINUE_LINE, 'latin1')
  }

  private parseFailed(err: unknown): void {
    const status = err instanceof PorticoError && err.status !== undefined ? err.status : 400
    if (this.current !== undefined) {
      this.rejectBody(status)
      return
    }
    // Bytes after a message that closed the connection (a pipelined request after
    // `Connection: close`, HTTP/1.0 without keep-alive) get no answer: the client was told.
    if (this.discarding || (err instanceof PorticoError && err.code === 'PORTICO_ERR_DATA_AFTER_CLOSE')) {
      this.discarding = true
      this.closeAfterPending()
    } else this.refuse(status)
  }

  /** Stops reading and closes after the pending responses with a final `status` answer. */
  private refuse(status: number): void {
    this.discarding = true
    this.finalAnswer = closingAnswer(status)
    this.closeAfterPending()
  }

  private onEnd(): void {
    if (this.detached) return
    if (!this.discarding) {
      try {
        this.parser.finish()
      } catch (err) {
        this.current?.bodyReader?.fail(err)
      }
    }
    this.discarding = true
    this.closing = true
    // A half-close (FIN) while a stream (SSE, long poll) is open is taken as the client gone.
    // On the receiving side a FIN looks the same whether the peer closed both directions (a
    // browser closing an EventSource, a killed curl) or only its sending one (`nc` reading a
    // request from a pipe); without this rule a closed tab would only be seen at the next
    // write, and streams that write rarely would keep dead sockets for minutes. Real resets
    // are seen at once through 'close'/'error'. Ordinary responses are still completed
    // after a half-close (closeAfterPending below); to watch a stream with nc, keep its
    // input open (`(printf 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n'; cat) | nc host port`).
    const streaming = this.out.pending.some((res) => res.openedStream !== undefined)
    if (streaming || (this.current !== undefined && this.currentRes !== undefined && !this.currentRes.headersSent)) this.destroy()
    else this.closeAfterPending()
  }

  /** Closes once every pending response is written (at once when none is). */
  closeAfterPending(): void {
    this.closing = true
    if (this.out.length > 0 || this.closed) return
    this.endSocket()
  }

  private endSocket(): void {
    if (this.closed || this.detached || this.ended) return
    this.ended = true
    this.discarding = true
    this.out.flush()
    const answer = this.finalAnswer
    this.finalAnswer = undefined
    if (answer !== undefined) this.socket.end(answer, 'latin1')
    else this.socket.end()
    this.resume(PAUSE_PIPELINE | PAUSE_BODY | PAUSE_OUTPUT)
    if (this.lingerTimer === undefined) {
      this.lingerTimer = setTimeout(() => this.destroy(), LINGER_MS)
      this.lingerTimer.unref()
    }
  }

  /** Closes the connection at once. */
  destroy(): void {
    if (!this.detached) this.socket.destroy()
  }

  /** Closes the connection now if nothing is in flight; otherwise after the pending responses. */
  shutdown(): void {
    if (this.idle && this.requests === 0) {
      // Accepted but silent: its first request may be on the wire. Serve it (with
      // `Connection: close`) if it comes soon; close the socket otherwise.
      this.closing = true
      this.closeWhenQuiet()
    } else if (this.idle) this.endSocket()
    else if (this.out.length === 0 && this.phase === IDLE) this.destroy()
    else this.closeAfterPending()
  }

  /** Closes after {@link FRESH_GRACE_MS} unless a request is under way by then. */
  private closeWhenQuiet(): void {
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer)
    this.graceTimer = setTimeout(() => {
      if (this.idle) this.endSocket()
    }, FRESH_GRACE_MS)
    this.graceTimer.unref()
  }

  private onClose(): void {
    if (this.closed) return
    this.closed = true
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer)
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer)
    this.parked = undefined
    const lost = new PorticoError('PORTICO_ERR_CONNECTION_CLOSED')
    this.current?.bodyReader?.fail(lost)
    this.out.abandon()
    if (!this.detached) this.server.connectionClosed(this)
  }

  // --- ResponseSink ---

  write(res: PorticoResponse, data: string | Uint8Array, encoding: BufferEncoding): boolean {
    if (this.detached) return false
    this.lastActivity = this.server.clock
    return this.out.write(res, data, encoding)
  }

  finish(res: PorticoResponse): void {
    if (!this.out.isFirst(res)) return
    let done: PorticoResponse | undefined = res
    while (done !== undefined) {
      if (!done.keepAlive) {
        this.closing = true
        this.out.clear()
        this.endSocket()
        return
      }
      const next = this.out.shift()
      done = next !== undefined && next.finished ? next : undefined
    }
    if (this.parked !== undefined) this.unpark()
    const left = this.out.length
    if (left < this.server.config.maxPendingResponses / 2) this.resume(PAUSE_PIPELINE)
    if (left === 0) {
      this.idleSince = this.server.clock
      if (this.closing && this.phase === IDLE) {
        // A graceful stop began after this response's head said keep-alive: the client may
        // already be sending its next request. Serve one that comes soon (with `Connection:
        // close`) rather than let it meet a closed socket; close otherwise.
        if (this.server.stopping && !this.discarding) this.closeWhenQuiet()
        else this.endSocket()
      }
    }
  }

  canKeepAlive(res: PorticoResponse): boolean {
    if (!this.server.stopping) return true
    this.closing = true
    return this.out.pending[this.out.length - 1] !== res
  }

  whenCurrent(res: PorticoResponse): Promise<void> {
    return this.out.whenFirst(res)
  }

  pendingBytes(res: PorticoResponse): number {
    return this.out.pendingBytes(res)
  }

  upgrade(res: PorticoResponse): { socket: Duplex; head: Buffer } {
    const head = res.req.upgradeHead
    if (head === undefined || !this.out.isFirst(res) || this.closed) throw new PorticoError('PORTICO_ERR_NOT_UPGRADABLE')
    this.out.flush()
    this.detached = true
    this.out.pending.shift()
    this.out.clear()
    const socket = this.socket
    handOver(socket, this.listeners)
    this.server.connectionClosed(this)
    return { socket, head }
  }

  // --- BodySource ---

  pauseForBody(): void {
    this.pause(PAUSE_BODY)
  }

  resumeForBody(): void {
    this.resume(PAUSE_BODY)
  }

  /** Holds the handler of `res` until the output has room (see the module doc). */
  private park(res: PorticoResponse): void {
    ;(this.parked ??= []).push(res)
    this.pause(PAUSE_OUTPUT)
  }

  /** Starts parked handlers, oldest first, while the output has room; reads again once none is left. */
  private unpark(): void {
    const parked = this.parked
    if (parked === undefined || this.unparking) return
    this.unparking = true
    try {
      const max = this.server.config.maxPendingResponses
      // started and pending: out.length - parked.length
      while (parked.length > 0 && this.out.length - parked.length < max && !this.backlogged()) {
        runHeld(this.server, parked.shift() as PorticoResponse)
      }
    } finally {
      this.unparking = false
    }
    if (parked.length === 0 && this.parked === parked) {
      this.parked = undefined
      this.resume(PAUSE_OUTPUT)
    }
  }

  /** More than the high-water mark is written and not sent (or gathered to be written). */
  private backlogged(): boolean {
    if (this.socket.writableNeedDrain) return true
    const first = this.out.pending[0]
    return first !== undefined && this.out.pendingBytes(first) >= this.outputLimit
  }

  private onDrain(): void {
    if (this.parked !== undefined) this.unpark()
    this.out.pending[0]?.openedStream?.emitDrain()
  }

  private pause(reason: number): void {
    if (this.pausedBy === 0) this.socket.pause()
    this.pausedBy |= reason
  }

  private resume(reason: number): void {
    if (this.pausedBy === 0) return
    this.pausedBy &= ~reason
    if (this.pausedBy === 0 && !this.detached && !this.closed) this.socket.resume()
  }

  /** @internal the timeout sweep's view of this connection */
  get sweepState(): SweepState | undefined {
    if (this.closed || this.detached) return undefined
    return this.phase === BODY ? 'body' : this.headPending ? 'head' : this.out.length === 0 ? 'idle' : 'busy'
  }

  /** @internal a timeout expired: 408 while a request is read, else a plain close */
  timedOut(state: SweepState): void {
    if (state === 'body') this.rejectBody(408)
    else if (state === 'head') this.refuse(408)
    else if (state === 'idle') this.endSocket()
    else this.destroy()
  }
}
