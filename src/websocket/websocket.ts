/**
 * The `WebSocket` object (RFC 6455 §5–§7) over any Duplex socket, in either role: messages in
 * (`receive()`, `for await`, `'message'` events) and out (`send` → a promise settled when
 * written), pings and automatic pongs, the closing handshake with a timeout, limits
 * (`maxPayload` → 1009), backpressure (`bufferedAmount`, slow-consumer policy), heartbeat, and
 * topics. It never throws into the event loop: peer errors close the connection with the
 * right code and reach `'error'` listeners as {@link WebSocketError}s.
 * @module
 */
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import { PorticoError } from '../errors.js'
import { decodeClosePayload, encodeClosePayload } from './close-frame.js'
import { DEFAULT_MAX_PAYLOAD, Opcode, ReadyState, type ReadyStateValue } from './constants.js'
import { DeflateCodec } from './deflate-codec.js'
import type { DeflateParams } from './deflate-negotiation.js'
import { FrameParser, frameLength, type Frame } from './frame-parser.js'
import { FrameSender, rejected } from './frame-sender.js'
import { defaultTopics, type TopicRegistry } from './topics.js'
import { MessageAssembler } from './message-assembler.js'
import { MessageInbox } from './message-inbox.js'
import { toBuffer, type SendOptions, type WebSocketData, type WebSocketEvents, type WebSocketMessage, type WebSocketOptions } from './websocket-options.js'
import { WebSocketError } from './ws-error.js'

const noop = (): void => {}


/**
 * A WebSocket connection. Servers get one from `res.upgradeWebSocket()` / `server.ws()`,
 * clients from `connectWebSocket()`; build one directly over an upgraded socket with
 * `new WebSocket(socket, { role })`.
 *
 * Events: `'message'(data, isBinary)`, `'ping'(data)`, `'pong'(data)`, `'close'(code, reason)`,
 * `'error'(err)` (emitted only when listened to).
 *
 * @example
 * ```ts
 * server.ws('/echo', async (ws) => {
 *   for await (const message of ws) await ws.send(message)
 * })
 * ```
 */
export class WebSocket extends EventEmitter {
  static readonly CONNECTING = ReadyState.Connecting
  static readonly OPEN = ReadyState.Open
  static readonly CLOSING = ReadyState.Closing
  static readonly CLOSED = ReadyState.Closed

  /** The selected subprotocol, `''` when none. */
  readonly protocol: string
  /** The negotiated extensions (`Sec-WebSocket-Extensions` value), `''` when none. */
  readonly extensions: string
  /** `'server'` or `'client'`. */
  readonly role: 'server' | 'client'
  /** The negotiated permessage-deflate parameters, when compression is on. */
  readonly deflateParams: DeflateParams | undefined
  /** The topic registry `subscribe` uses. */
  topics: TopicRegistry
  /** Once closed: the code the peer sent, the code this side failed the connection with (1002, 1007, 1009, …), or 1006 when it dropped. */
  closeCode: number | undefined
  /** The close reason received, once closed. */
  closeReason = ''

  private state: ReadyStateValue = ReadyState.Open
  private readonly socket: Duplex
  private readonly parser: FrameParser
  /** @internal */
  readonly sender: FrameSender
  private readonly codec: DeflateCodec | undefined
  private readonly options: WebSocketOptions
  private readonly maxPayload: number
  private readonly highWaterMark: number
  private readonly receiveHighWaterMark: number
  private readonly assembler: MessageAssembler
  private readonly inbox = new MessageInbox()
  private pulling = false
  private started = false
  private pendingChunks: Buffer[] = []
  /** The peer's FIN came before parsing started: handled once the bytes before it are. */
  private endedEarly = false
  private closeSent = false
  private closeReceived = false
  private closeTimer: NodeJS.Timeout | undefined
  private heartbeatTimer: NodeJS.Timeout | undefined
  private alive = true
  /** A message is being inflated asynchronously: parsing waits for it (messages keep their order). */
  private inflating = false
  /** Reading from the socket is paused: the inbox is full, or too much waits behind an inflation. */
  private socketPaused = false
  private readonly closedPromise: Promise<void>
  private resolveClosed: () => void = noop
  /** @internal topics this socket is subscribed to */
  readonly subscriptions = new Set<string>()

  constructor(socket: Duplex, options: WebSocketOptions) {
    super()
    this.socket = socket
    this.options = options
    this.role = options.role
    this.protocol = options.protocol ?? ''
    this.extensions = options.extensions ?? ''
    this.deflateParams = options.deflate
    this.topics = defaultTopics
    this.maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD
    this.highWaterMark = options.highWaterMark ?? 16 * 1024 * 1024
    this.receiveHighWaterMark = options.receiveHighWaterMark ?? 1024 * 1024
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve))
    const pmd = options.perMessageDeflate ?? {}
    this.codec = options.deflate === undefined ? undefined : new DeflateCodec(options.deflate, options.role, { level: pmd.level, memLevel: pmd.memLevel, maxPayload: this.maxPayload })
    this.parser = new FrameParser({ role: options.role, maxPayload: this.maxPayload, perMessageDeflate: this.codec !== undefined })
    this.parser.onFrame = (frame) => this.onFrame(frame)
    this.assembler = new MessageAssembler(
      {
        deliver: (message, binary, bytes) => this.deliver(message, binary, bytes),
        fail: (error) => this.fail(error),
        pauseParsing: () => {
          this.inflating = true
          this.parser.pause()
        },
        resumeParsing: () => {
          this.inflating = false
          this.updateReading()
        },
      },
      this.codec,
    )
    this.sender = new FrameSender(socket, { mask: options.role === 'client', codec: this.codec, threshold: pmd.threshold ?? 1024, fragmentSize: options.fragmentSize ?? 0 })
    this.sender.onError = (error) => this.fail(error)
    if (options.head !== undefined && options.head.length > 0) this.pendingChunks.push(options.head)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('end', () => this.onEnd())
    socket.on('close', () => this.onSocketClose())
    socket.on('error', (err: Error) => this.report(err))
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true)
    if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0)
    // Parse only once the creator had a chance to add listeners (after its awaits resolve).
    setImmediate(() => this.start())
    if (options.heartbeat !== undefined && options.heartbeat > 0) this.startHeartbeat(options.heartbeat)
  }

  /** Adds a listener: `'message'`, `'ping'`, `'pong'`, `'close'` or `'error'`. */
  override on<E extends keyof WebSocketEvents>(event: E, listener: WebSocketEvents[E]): this
  override on(event: string | symbol, listener: (...args: any[]) => void): this
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener)
  }

  /** Adds a one-time listener. */
  override once<E extends keyof WebSocketEvents>(event: E, listener: WebSocketEvents[E]): this
  override once(event: string | symbol, listener: (...args: any[]) => void): this
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener)
  }

  /** CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3). */
  get readyState(): ReadyStateValue {
    return this.state
  }

  /** Bytes of accepted messages not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.sender.queuedBytes
  }

  /** @internal Messages shorter than this are sent uncompressed. */
  get compressionThreshold(): number {
    return this.options.perMessageDeflate?.threshold ?? 1024
  }

  /** @internal The zlib level used for compression. */
  get compressionLevel(): number {
    return this.options.perMessageDeflate?.level ?? 1
  }

  /** @internal Outgoing messages longer than this are fragmented (0: never). */
  get fragmentSize(): number {
    return this.options.fragmentSize ?? 0
  }

  /** The peer's address, when the socket is a TCP socket. */
  get remoteAddress(): string | undefined {
    return (this.socket as { remoteAddress?: string }).remoteAddress
  }

  /** Settles when the socket is closed. */
  get closed(): Promise<void> {
    return this.closedPromise
  }

  /**
   * Sends a message: a string as text, bytes as binary. The promise settles when the message
   * is written; it rejects (`PORTICO_ERR_WS_NOT_OPEN`, `PORTICO_ERR_WS_MESSAGE_DROPPED`) but
   * never becomes an unhandled rejection, so fire-and-forget is safe.
   *
   * @example
   * ```ts
   * await ws.send('hello')
   * ws.send(new Uint8Array([1, 2, 3]))
   * ```
   */
  send(data: WebSocketData, options?: SendOptions): Promise<void> {
    if (this.state !== ReadyState.Open) return rejected(new PorticoError('PORTICO_ERR_WS_NOT_OPEN'))
    // A string is encoded once, straight into its frame; only its length is needed first.
    const payload = typeof data === 'string' ? data : toBuffer(data)
    const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length
    const refusal = this.admit(bytes)
    if (refusal !== undefined) return rejected(refusal)
    const binary = options?.binary ?? typeof data !== 'string'
    return this.sender.sendMessage(payload, bytes, binary ? Opcode.Binary : Opcode.Text, options?.compress ?? true, true) as Promise<void>
  }

  /**
   * Sends a ping (payload at most 125 bytes); the peer answers with a pong (`'pong'` event).
   *
   * @example
   * ```ts
   * ws.on('pong', () => console.log('alive'))
   * await ws.ping()
   * ```
   */
  ping(data: WebSocketData = Buffer.alloc(0)): Promise<void> {
    return this.control(Opcode.Ping, data)
  }

  /** Sends an unsolicited pong (a unidirectional heartbeat, RFC 6455 §5.5.3). */
  pong(data: WebSocketData = Buffer.alloc(0)): Promise<void> {
    return this.control(Opcode.Pong, data)
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2) and settles when the socket is closed. The
   * socket is dropped if the peer does not answer within `closeTimeout`. Throws
   * `PORTICO_ERR_WS_INVALID_CLOSE_CODE` for a code that may not be sent or a reason over 123 bytes.
   *
   * @example
   * ```ts
   * await ws.close(1000, 'bye')
   * ```
   */
  close(code: number | undefined = 1000, reason = ''): Promise<void> {
    const body = encodeClosePayload(code, reason)
    if (this.state === ReadyState.Open) this.sendClose(body)
    return this.closedPromise
  }

  /** Drops the connection at once, without a closing handshake. */
  terminate(): void {
    this.socket.destroy()
  }

  /**
   * The next message, or `null` once the connection is closed (the Toit tutorial's
   * `while data := web-socket.receive` loop).
   *
   * @example
   * ```ts
   * let message
   * while ((message = await ws.receive()) !== null) await ws.send(message)
   * ```
   */
  receive(): Promise<WebSocketMessage | null> {
    this.pulling = true
    const message = this.inbox.take()
    if (message !== undefined) {
      if (this.parser.isPaused || this.socketPaused) this.updateReading()
      return Promise.resolve(message)
    }
    if (this.state === ReadyState.Closed || this.closeReceived) return Promise.resolve(null)
    return this.inbox.wait()
  }

  /** Iterates over messages until the connection closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<WebSocketMessage> {
    for (;;) {
      const message = await this.receive()
      if (message === null) return
      yield message
    }
  }

  /**
   * Subscribes to a topic of this socket's registry: `publish(topic, message)` reaches it.
   * Unsubscribed automatically on close.
   *
   * @example
   * ```ts
   * ws.subscribe('room:1'); topics.publish('room:1', 'hello all')
   * ```
   */
  subscribe(topic: string): void {
    if (this.state === ReadyState.Closed) return
    this.topics.subscribe(topic, this)
  }

  /** Leaves a topic. */
  unsubscribe(topic: string): void {
    this.topics.unsubscribe(topic, this)
  }

  /** Whether this socket is subscribed to a topic. */
  isSubscribed(topic: string): boolean {
    return this.subscriptions.has(topic)
  }

  /**
   * @internal Queues frames encoded once for many sockets (broadcast), under the same
   * slow-consumer policy as `send`; returns false when the frames were not queued.
   */
  sendFrames(frames: Buffer[], bytes: number): boolean {
    if (this.state !== ReadyState.Open || this.admit(bytes) !== undefined) return false
    this.sender.sendFrames(frames, bytes, false)
    return true
  }

  /**
   * @internal Sends a message under the slow-consumer policy, without a promise (a topic
   * publish to a socket that compresses on its own); returns false when it was not queued.
   */
  offer(payload: Buffer, binary: boolean, compress: boolean): boolean {
    if (this.state !== ReadyState.Open || this.admit(payload.length) !== undefined) return false
    this.sender.sendMessage(payload, payload.length, binary ? Opcode.Binary : Opcode.Text, compress, false)
    return true
  }

  /** Applies the slow-consumer policy; returns the refusal when the message must not be queued. */
  private admit(bytes: number): PorticoError | undefined {
    const buffered = this.bufferedAmount
    if (buffered === 0 || buffered + bytes <= this.highWaterMark) return undefined
    if (this.options.slowConsumer === 'drop') return new PorticoError('PORTICO_ERR_WS_MESSAGE_DROPPED')
    this.fail(new WebSocketError('PORTICO_ERR_WS_SLOW_CONSUMER', 1008))
    return new PorticoError('PORTICO_ERR_WS_SLOW_CONSUMER')
  }

  private control(opcode: number, data: WebSocketData): Promise<void> {
    const payload = toBuffer(data)
    if (payload.length > 125) return rejected(new PorticoError('PORTICO_ERR_WS_PROTOCOL', 'A control frame payload is at most 125 bytes'))
    if (this.state !== ReadyState.Open) return rejected(new PorticoError('PORTICO_ERR_WS_NOT_OPEN'))
    return this.sender.sendControl(opcode, payload, true) as Promise<void>
  }

  private start(): void {
    this.started = true
    const chunks = this.pendingChunks
    this.pendingChunks = []
    for (const chunk of chunks) this.onData(chunk)
    if (this.endedEarly) this.onEnd()
  }

  private onData(chunk: Buffer): void {
    if (!this.started) {
      this.pendingChunks.push(chunk)
      return
    }
    this.alive = true
    if (this.closeReceived) return
    // When the chunk may complete several frames, what is sent while it is parsed (answers,
    // pongs) goes out in one write after it; the answer to a lone frame goes out at once.
    const several = !this.parser.atFrameStart || frameLength(chunk, 0) < chunk.length
    if (several) this.sender.hold()
    try {
      this.parser.push(chunk)
    } catch (err) {
      this.fail(err instanceof WebSocketError ? err : new WebSocketError('PORTICO_ERR_WS_PROTOCOL', 1002, String(err), { cause: err }))
    } finally {
      if (several) this.sender.release()
    }
    // Bytes piling up behind an inflation: stop reading until it is done (TCP backpressure).
    if (this.inflating && !this.socketPaused && this.parser.bufferedBytes >= this.receiveHighWaterMark) this.pauseSocket()
  }

  private onFrame(frame: Frame): void {
    switch (frame.opcode) {
      case Opcode.Ping:
        if (this.state === ReadyState.Open) this.sender.sendControl(Opcode.Pong, frame.payload, false)
        this.emitSafely('ping', frame.payload)
        return
      case Opcode.Pong:
        this.emitSafely('pong', frame.payload)
        return
      case Opcode.Close:
        this.onCloseFrame(frame.payload)
        return
    }
    this.assembler.addFrame(frame)
  }

  /** The inbox holds as much as may wait for `receive()` (at least one message). */
  private get inboxFull(): boolean {
    return this.inbox.length > 0 && this.inbox.bytes >= this.receiveHighWaterMark
  }

  private pauseSocket(): void {
    this.socketPaused = true
    this.socket.pause()
  }

  private resumeSocket(): void {
    this.socketPaused = false
    this.socket.resume()
  }

  /**
   * Restarts parsing, then reading, once nothing holds them: a full inbox (`receive()` took a
   * message) or an inflation (it finished). Reading stays paused while the inbox is full or
   * while too many bytes wait behind an inflation. Never while a close is under way.
   */
  private updateReading(): void {
    if (this.state === ReadyState.Closed || this.closeReceived) return
    if (!this.inflating && !this.inboxFull && this.parser.isPaused) {
      try {
        this.parser.resume()
      } catch (err) {
        this.fail(err instanceof WebSocketError ? err : new WebSocketError('PORTICO_ERR_WS_PROTOCOL', 1002, String(err)))
        return
      }
    }
    // Parsing may have filled the inbox, started the next inflation or closed the connection.
    if (!this.socketPaused || this.closeReceived || this.inboxFull) return
    if (this.inflating && this.parser.bufferedBytes >= this.receiveHighWaterMark) return
    this.resumeSocket()
  }

  private deliver(message: WebSocketMessage, binary: boolean, bytes: number): void {
    // An inflation that finished after the socket closed delivers nothing.
    if (this.state === ReadyState.Closed) return
    if (!this.inbox.offer(message) && (this.pulling || this.listenerCount('message') === 0)) {
      this.inbox.push(message, bytes)
      if (this.inboxFull) {
        this.parser.pause()
        if (!this.socketPaused) this.pauseSocket()
      }
    }
    // emitSafely, without its rest parameters: this runs once per message.
    try {
      this.emit('message', message, binary)
    } catch (err) {
      this.fail(new WebSocketError('PORTICO_ERR_WS_LISTENER_FAILED', 1011, 'A listener threw', { cause: err }))
    }
  }

  private onCloseFrame(payload: Buffer): void {
    let received
    try {
      received = decodeClosePayload(payload)
    } catch (err) {
      this.fail(err as WebSocketError)
      return
    }
    this.closeReceived = true
    this.parser.pause()
    // Read on, so the peer's FIN is seen even if reading was paused for backpressure.
    if (this.socketPaused) this.resumeSocket()
    this.closeCode = received.code
    this.closeReason = received.reason
    this.wakeWaiters()
    if (!this.closeSent) {
      // §5.5.1: echo the status code; an empty close is answered with an empty close.
      this.sendClose(received.code === 1005 ? Buffer.alloc(0) : encodeClosePayload(received.code))
    } else if (this.role === 'server') {
      this.sender.end()
    }
  }

  private sendClose(body: Buffer): void {
    this.closeSent = true
    this.state = ReadyState.Closing
    this.sender.sendControl(Opcode.Close, body, false)
    // §7.1.1: the server closes the TCP connection first; a client waits for it.
    if (this.closeReceived && this.role === 'server') this.sender.end()
    this.closeTimer = setTimeout(() => this.socket.destroy(), this.options.closeTimeout ?? 5000)
    this.closeTimer.unref()
  }

  /** Fails the connection (§7.1.7): a close frame with the error's code, then the socket closes. */
  private fail(error: WebSocketError): void {
    if (this.state === ReadyState.Closed) return
    this.report(error)
    this.closeCode ??= error.closeCode
    this.closeReceived = true
    this.parser.pause()
    if (this.socketPaused) this.resumeSocket()
    this.wakeWaiters()
    if (!this.closeSent) {
      const reason = error.message.length <= 120 ? error.message : ''
      this.sendClose(encodeClosePayload(error.closeCode, Buffer.byteLength(reason) <= 123 ? reason : ''))
    }
    this.sender.end()
  }

  private onEnd(): void {
    if (!this.started) {
      this.endedEarly = true
      return
    }
    this.sender.end()
  }

  private onSocketClose(): void {
    if (this.state === ReadyState.Closed) return
    this.state = ReadyState.Closed
    this.closeCode ??= 1006
    clearTimeout(this.closeTimer)
    clearInterval(this.heartbeatTimer)
    this.codec?.close()
    this.sender.abort()
    this.topics.unsubscribeAll(this)
    this.wakeWaiters()
    this.resolveClosed()
    this.emitSafely('close', this.closeCode, this.closeReason)
  }

  private wakeWaiters(): void {
    this.inbox.close()
  }

  private startHeartbeat(interval: number): void {
    this.heartbeatTimer = setInterval(() => {
      // A peer is not dead while we are the ones not reading (backpressure): its pongs wait unread.
      if (!this.alive && !this.socketPaused) {
        this.closeCode ??= 1006
        this.report(new PorticoError('PORTICO_ERR_WS_HEARTBEAT_TIMEOUT'))
        this.socket.destroy()
        return
      }
      this.alive = false
      this.ping().catch(noop)
    }, interval)
    this.heartbeatTimer.unref()
  }

  private report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emitSafely('error', error)
  }

  /** Emits an event; a listener that throws fails the connection with 1011 instead of crashing. */
  private emitSafely(event: string, ...args: unknown[]): void {
    try {
      this.emit(event, ...args)
    } catch (err) {
      if (event === 'error' || this.state === ReadyState.Closed) return
      this.fail(new WebSocketError('PORTICO_ERR_WS_LISTENER_FAILED', 1011, 'A listener threw', { cause: err }))
    }
  }
}
