/**
 * The outgoing side of a WebSocket: frames messages (compressing them when permessage-deflate
 * was negotiated and the message reaches the threshold) and writes them to the socket in
 * order, even while a compression runs asynchronously.
 *
 * How frames reach the socket: while the connection is {@link FrameSender.hold held} (the
 * WebSocket holds it while it parses a chunk that completes several frames), frames wait and
 * are written together on {@link FrameSender.release}: one `write` answers a chunk of
 * pipelined messages. Otherwise a message sent while nothing waits is written at once, and
 * those that follow it in the same tick are written together at the end of the tick.
 * Broadcast frames ({@link FrameSender.sendFrames}) always wait for the end of the tick, so a
 * publish loop of many messages costs one system call per socket.
 *
 * A send's promise settles once its bytes are handed to the kernel: at once (a shared resolved
 * promise) when the write completed synchronously, else when the socket's write callback
 * reports it. No promise is built for a send that does not ask for one.
 * @module
 */
import type { Duplex } from 'node:stream'
import { PorticoError } from '../errors.js'
import { Opcode } from './constants.js'
import type { DeflateCodec } from './deflate-codec.js'
import type { WebSocketError } from './ws-error.js'
import { encodeFrame, encodeStringFrame } from './frame-writer.js'

const noop = (): void => {}
/** Batches up to this size are concatenated into one buffer; larger ones use writev. */
const CONCAT_LIMIT = 64 * 1024
/** The promise of every send whose bytes were written synchronously. */
const written: Promise<void> = Promise.resolve()

/** A promise with its settle functions, for a send that asks to know when it is written. */
class Waiter {
  readonly promise: Promise<void>
  resolve: () => void = noop
  private settle: (error: Error) => void = noop

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.settle = reject
    })
  }

  reject(error: Error): void {
    // Never an unhandled rejection: callers may fire and forget.
    this.promise.catch(noop)
    this.settle(error)
  }
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

/** A send waiting for the write callback of the `seq`-th `socket.write`. */
interface PendingWrite {
  seq: number
  waiter: Waiter
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
 * Writes frames to a socket in order, batched while held and per tick.
 *
 * @example
 * ```ts
 * const sender = new FrameSender(socket, { mask: false, codec: undefined, threshold: 1024, fragmentSize: 0 })
 * await sender.sendMessage(Buffer.from('hi'), 2, Opcode.Text, true, true)
 * ```
 */
export class FrameSender {
  private readonly socket: Duplex
  private readonly options: FrameSenderOptions
  /** Messages waiting behind an unfinished compression. */
  private readonly queue: QueueItem[] = []
  private batch: Buffer[] = []
  private batchBytes = 0
  private batchWaiter: Waiter | undefined
  private scheduled = false
  private holds = 0
  private ending = false
  /** `socket.write` calls made, and write callbacks received (writes complete in order). */
  private issued = 0
  private completed = 0
  private pendingWrites: PendingWrite[] = []
  /** Bytes accepted but not yet handed to the socket. */
  queuedBytes = 0
  /** Called when a compression fails (the connection must fail). */
  onError: (error: WebSocketError) => void = noop

  constructor(socket: Duplex, options: FrameSenderOptions) {
    this.socket = socket
    this.options = options
  }

  /**
   * Frames and queues one data message (`opcode` Text or Binary) of `bytes` bytes (a string is
   * encoded as UTF-8 straight into its frame when it goes out uncompressed and whole). With
   * `wantPromise`, returns a promise settled once it is written.
   */
  sendMessage(payload: Buffer | string, bytes: number, opcode: number, compress: boolean, wantPromise: boolean): Promise<void> | undefined {
    const { codec, threshold, fragmentSize, mask } = this.options
    const plain = codec === undefined || !compress || bytes < threshold
    if (typeof payload === 'string') {
      if (plain && (fragmentSize <= 0 || bytes <= fragmentSize)) return this.enqueue([encodeStringFrame(opcode, payload, bytes, mask)], bytes, wantPromise, true)
      payload = Buffer.from(payload)
    }
    if (plain) return this.enqueue(this.frame(payload, opcode, false), bytes, wantPromise, true)
    const item: QueueItem = { frames: undefined, bytes, error: null, waiter: wantPromise ? new Waiter() : undefined }
    this.queue.push(item)
    this.queuedBytes += bytes
    ;(codec as DeflateCodec).compress(payload, (error, data) => {
      if (error !== null) item.error = error
      item.frames = error !== null ? [] : this.frame(data, opcode, true)
      this.drainQueue()
    })
    return item.waiter?.promise
  }

  /** Frames and queues a control frame (ping, pong, close). */
  sendControl(opcode: number, payload: Buffer, wantPromise: boolean): Promise<void> | undefined {
    return this.enqueue(encodeFrame(opcode, payload, { mask: this.options.mask }), payload.length, wantPromise, true)
  }

  /** Queues frames already encoded (a broadcast framed once for many sockets); they go out at the end of the tick. */
  sendFrames(frames: Buffer[], bytes: number, wantPromise: boolean): Promise<void> | undefined {
    return this.enqueue(frames, bytes, wantPromise, false)
  }

  /** Holds frames back until {@link release} (nestable): they are then written together. */
  hold(): void {
    this.holds++
  }

  /** Ends a {@link hold}; the last one writes what waited. */
  release(): void {
    if (--this.holds === 0 && this.batch.length > 0) this.flushBatch()
  }

  /** Writes what is queued, then ends the socket (after any pending compression). */
  end(): void {
    this.ending = true
    if (this.queue.length === 0) {
      this.flushBatch()
      if (!this.socket.writableEnded && !this.socket.destroyed) this.socket.end()
    }
  }

  /** The socket closed: sends still waiting for their write fail with `PORTICO_ERR_WS_NOT_OPEN`. */
  abort(): void {
    const pending = this.pendingWrites
    this.pendingWrites = []
    for (const p of pending) p.waiter.reject(closedError())
    this.batchWaiter?.reject(closedError())
    this.batchWaiter = undefined
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

  private enqueue(frames: Buffer[], bytes: number, wantPromise: boolean, direct: boolean): Promise<void> | undefined {
    if (this.socket.destroyed || this.socket.writableEnded) return wantPromise ? rejected(closedError()) : undefined
    if (this.queue.length > 0) {
      const item: QueueItem = { frames, bytes, error: null, waiter: wantPromise ? new Waiter() : undefined }
      this.queue.push(item)
      this.queuedBytes += bytes
      return item.waiter?.promise
    }
    if (direct && this.holds === 0 && this.batch.length === 0) return this.write(frames, wantPromise ? undefined : null)
    return this.addToBatch(frames, bytes, wantPromise)
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
      const itemWaiter = item.waiter
      if (itemWaiter !== undefined && batchPromise !== undefined) batchPromise.then(itemWaiter.resolve, (error: Error) => itemWaiter.reject(error))
    }
    if (this.queue.length === 0 && this.ending) this.end()
  }

  private addToBatch(frames: Buffer[], bytes: number, wantPromise: boolean): Promise<void> | undefined {
    for (let i = 0; i < frames.length; i++) this.batch.push(frames[i])
    this.queuedBytes += bytes
    this.batchBytes += bytes
    if (!this.scheduled && this.holds === 0) {
      this.scheduled = true
      process.nextTick(this.flushBatch)
    }
    if (!wantPromise) return undefined
    this.batchWaiter ??= new Waiter()
    return this.batchWaiter.promise
  }

  private readonly flushBatch = (): void => {
    this.scheduled = false
    const frames = this.batch
    const done = this.batchWaiter
    if (frames.length === 0) return
    this.batch = []
    this.batchWaiter = undefined
    this.queuedBytes -= this.batchBytes
    this.batchBytes = 0
    if (this.socket.destroyed || this.socket.writableEnded) {
      done?.reject(closedError())
      return
    }
    if (frames.length > 1) {
      let total = 0
      for (let i = 0; i < frames.length; i++) total += frames[i].length
      if (total <= CONCAT_LIMIT) {
        this.write([Buffer.concat(frames, total)], done ?? null)
        return
      }
    }
    this.write(frames, done ?? null)
  }

  /**
   * Writes `frames` (corked when several). `settle` is the waiter to settle once they are
   * written, `undefined` to get a promise for it, `null` when nobody asks.
   */
  private write(frames: Buffer[], settle: Waiter | undefined | null): Promise<void> | undefined {
    const socket = this.socket
    if (frames.length === 1) {
      socket.write(frames[0], this.afterWrite)
      this.issued++
    } else {
      socket.cork()
      for (let i = 0; i < frames.length; i++) socket.write(frames[i], this.afterWrite)
      socket.uncork()
      this.issued += frames.length
    }
    if (settle === null) return undefined
    // Nothing left in the socket's buffer: the bytes are with the kernel already.
    if (socket.writableLength === 0) {
      settle?.resolve()
      return written
    }
    const w = settle ?? new Waiter()
    this.pendingWrites.push({ seq: this.issued, waiter: w })
    return w.promise
  }

  /**
   * Every `socket.write` calls this once, in order: with an error when the socket failed, and
   * without one when it was destroyed meanwhile (Node reports a write cut short by `destroy()`
   * as done), which counts as not written.
   */
  private readonly afterWrite = (error?: Error | null): void => {
    const done = ++this.completed
    const pending = this.pendingWrites
    while (pending.length > 0 && pending[0].seq < done) (pending.shift() as PendingWrite).waiter.resolve()
    if (pending.length === 0) return
    if (error || this.socket.destroyed) {
      this.pendingWrites = []
      for (const p of pending) p.waiter.reject(closedError(error))
    } else if (pending[0].seq === done) {
      ;(pending.shift() as PendingWrite).waiter.resolve()
    }
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
