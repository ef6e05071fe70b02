/**
 * The outgoing side of a WebSocket: frames messages (compressing them when permessage-deflate
 * was negotiated and the message reaches the threshold) and writes them to the socket in
 * order, even while a compression runs asynchronously.
 *
 * Frames produced in the same tick are written together at the end of the tick (one `write`
 * of their concatenation, or one corked `writev` when large): a broadcast of many messages
 * costs one system call per socket, not one per message. Every send of the tick shares one
 * promise, settled when that write completes (writes complete in order, so a send's promise
 * settling means its bytes are written).
 * @module
 */
import type { Duplex } from 'node:stream'
import { PorticoError } from '../errors.js'
import { Opcode } from './constants.js'
import type { DeflateCodec } from './deflate-codec.js'
import type { WebSocketError } from './ws-error.js'
import { encodeFrame } from './frame-writer.js'

const noop = (): void => {}
/** Batches up to this size are concatenated into one buffer; larger ones use writev. */
const CONCAT_LIMIT = 64 * 1024

interface Waiter {
  promise: Promise<void>
  resolve: () => void
  reject: (error: Error) => void
}

function waiter(): Waiter {
  let resolve: () => void = noop
  let reject: (error: Error) => void = noop
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Never an unhandled rejection: callers may fire and forget.
  promise.catch(noop)
  return { promise, resolve, reject }
}

function closedError(cause?: unknown): PorticoError {
  return new PorticoError('PORTICO_ERR_WS_NOT_OPEN', 'The connection closed before the data was written', cause === undefined ? {} : { cause })
}

interface QueueItem {
  frames: Buffer[] | undefined
  bytes: number
  error: WebSocketError | null
  waiter: Waiter | undefined
}

/** Sender settings. */
export interface FrameSenderOptions {
  /** Mask every frame (the client role). */
  mask: boolean
  codec: DeflateCodec | undefined
  /** Compress messages of at least this many bytes. */
  threshold: number
  /** Split messages into frames of at most this many payload bytes (0: one frame per message). */
  fragmentSize: number
}

/**
 * Writes frames to a socket in order, batched per tick.
 *
 * @example
 * ```ts
 * const sender = new FrameSender(socket, { mask: false, codec: undefined, threshold: 1024, fragmentSize: 0 })
 * await sender.sendMessage(Buffer.from('hi'), Opcode.Text, true, true)
 * ```
 */
export class FrameSender {
  private readonly socket: Duplex
  private readonly options: FrameSenderOptions
  /** Messages waiting behind an unfinished compression. */
  private readonly queue: QueueItem[] = []
  private batch: Buffer[] = []
  private batchWaiter: Waiter | undefined
  private scheduled = false
  private ending = false
  /** Bytes accepted but not yet handed to the socket. */
  queuedBytes = 0
  /** Called when a compression fails (the connection must fail). */
  onError: (error: WebSocketError) => void = noop

  constructor(socket: Duplex, options: FrameSenderOptions) {
    this.socket = socket
    this.options = options
  }

  /**
   * Frames and queues one data message (`opcode` Text or Binary). With `wantPromise`, returns a
   * promise settled once it is written.
   */
  sendMessage(payload: Buffer, opcode: number, compress: boolean, wantPromise: boolean): Promise<void> | undefined {
    const codec = this.options.codec
    if (codec === undefined || !compress || payload.length < this.options.threshold) {
      return this.enqueue(this.frame(payload, opcode, false), payload.length, wantPromise)
    }
    const item: QueueItem = { frames: undefined, bytes: payload.length, error: null, waiter: wantPromise ? waiter() : undefined }
    this.queue.push(item)
    this.queuedBytes += payload.length
    codec.compress(payload, (error, data) => {
      if (error !== null) item.error = error
      item.frames = error !== null ? [] : this.frame(data, opcode, true)
      this.drainQueue()
    })
    return item.waiter?.promise
  }

  /** Frames and queues a control frame (ping, pong, close). */
  sendControl(opcode: number, payload: Buffer, wantPromise: boolean): Promise<void> | undefined {
    return this.enqueue(encodeFrame(opcode, payload, { mask: this.options.mask }), payload.length, wantPromise)
  }

  /** Queues frames already encoded (a broadcast framed once for many sockets). */
  sendFrames(frames: Buffer[], bytes: number, wantPromise: boolean): Promise<void> | undefined {
    return this.enqueue(frames, bytes, wantPromise)
  }

  /** Writes what is queued, then ends the socket (after any pending compression). */
  end(): void {
    this.ending = true
    if (this.queue.length === 0) {
      this.flushBatch()
      if (!this.socket.writableEnded && !this.socket.destroyed) this.socket.end()
    }
  }

  private frame(payload: Buffer, opcode: number, compressed: boolean): Buffer[] {
    const size = this.options.fragmentSize
    const mask = this.options.mask
    if (size <= 0 || payload.length <= size) return encodeFrame(opcode, payload, { mask, rsv1: compressed })
    // RFC 6455 §5.4: the first frame carries the opcode (and RSV1), the rest are continuations.
    const frames: Buffer[] = []
    for (let offset = 0; offset < payload.length; offset += size) {
      const end = Math.min(offset + size, payload.length)
      const first = offset === 0
      frames.push(...encodeFrame(first ? opcode : Opcode.Continuation, payload.subarray(offset, end), { mask, fin: end === payload.length, rsv1: first && compressed }))
    }
    return frames
  }

  private enqueue(frames: Buffer[], bytes: number, wantPromise: boolean): Promise<void> | undefined {
    if (this.socket.destroyed || this.socket.writableEnded) return wantPromise ? rejected(closedError()) : undefined
    if (this.queue.length === 0) return this.addToBatch(frames, bytes, wantPromise)
    const item: QueueItem = { frames, bytes, error: null, waiter: wantPromise ? waiter() : undefined }
    this.queue.push(item)
    this.queuedBytes += bytes
    return item.waiter?.promise
  }

  private drainQueue(): void {
    while (this.queue.length > 0 && this.queue[0].frames !== undefined) {
      const item = this.queue.shift() as QueueItem
      this.queuedBytes -= item.bytes
      if (item.error !== null) {
        item.waiter?.reject(item.error)
        this.onError(item.error)
        continue
      }
      const batchPromise = this.addToBatch(item.frames as Buffer[], item.bytes, item.waiter !== undefined)
      if (item.waiter !== undefined && batchPromise !== undefined) batchPromise.then(item.waiter.resolve, item.waiter.reject)
    }
    if (this.queue.length === 0 && this.ending) this.end()
  }

  private addToBatch(frames: Buffer[], bytes: number, wantPromise: boolean): Promise<void> | undefined {
    for (let i = 0; i < frames.length; i++) this.batch.push(frames[i])
    this.queuedBytes += bytes
    this.batchBytes += bytes
    if (!this.scheduled) {
      this.scheduled = true
      process.nextTick(this.flushBatch)
    }
    if (!wantPromise) return undefined
    this.batchWaiter ??= waiter()
    return this.batchWaiter.promise
  }

  private batchBytes = 0

  private readonly flushBatch = (): void => {
    this.scheduled = false
    const frames = this.batch
    const done = this.batchWaiter
    if (frames.length === 0) return
    this.batch = []
    this.batchWaiter = undefined
    this.queuedBytes -= this.batchBytes
    this.batchBytes = 0
    const socket = this.socket
    if (socket.destroyed || socket.writableEnded) {
      done?.reject(closedError())
      return
    }
    const callback = done === undefined ? undefined : (error?: Error | null) => (error ? done.reject(closedError(error)) : done.resolve())
    if (frames.length === 1) {
      socket.write(frames[0], callback)
      return
    }
    let total = 0
    for (let i = 0; i < frames.length; i++) total += frames[i].length
    if (total <= CONCAT_LIMIT) {
      socket.write(Buffer.concat(frames, total), callback)
      return
    }
    socket.cork()
    for (let i = 0; i < frames.length - 1; i++) socket.write(frames[i])
    socket.write(frames[frames.length - 1], callback)
    socket.uncork()
  }
}

/**
 * A rejected promise marked as handled, so a caller that does not await it never gets an
 * unhandled rejection.
 *
 * @example
 * ```ts
 * return rejected(new PorticoError('PORTICO_ERR_WS_NOT_OPEN'))
 * ```
 */
export function rejected(error: Error): Promise<void> {
  const promise = Promise.reject(error)
  promise.catch(noop)
  return promise
}
