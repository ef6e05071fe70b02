/**
 * The body of a client response: a queue of buffers filled by the connection and read with
 * `text()`, `json()`, `bytes()` or `for await`. Past a high-water mark the source (socket or
 * decoder) is paused until the reader catches up, whether it has started reading or not;
 * `bytes()`, `text()` and `json()` gather the whole body, up to a size limit.
 * @module
 */
import { PorticoError } from '../errors.js'

const HIGH_WATER = 64 * 1024

/**
 * Limits of a {@link ResponseBody}.
 *
 * @example
 * ```ts
 * new ResponseBody({ maxSize: 1024 * 1024, limitStream: true })
 * ```
 */
export interface ResponseBodyLimits {
  /** Most bytes gathered by `bytes()`/`text()`/`json()` (`PORTICO_ERR_RESPONSE_TOO_LARGE`). Default: none. */
  maxSize?: number
  /** Apply `maxSize` to every byte received, also when read with `for await` (decoded bodies). */
  limitStream?: boolean
}

/**
 * A response body, readable once.
 *
 * @example
 * ```ts
 * const res = await request('http://127.0.0.1:8080/file')
 * for await (const chunk of res.body) process.stdout.write(chunk)
 * ```
 */
export class ResponseBody implements AsyncIterable<Buffer> {
  /** Called when buffered bytes pass the high-water mark (pause the source). */
  onPause: (() => void) | null = null
  /** Called when the reader drained the buffer (resume the source). */
  onResume: (() => void) | null = null
  /** Called when the reader gives up on the body (destroy or drain the source). */
  onCancel: (() => void) | null = null
  /** The trailer fields of a chunked body (flat `[name, value, …]`), set when it ends. */
  rawTrailers: readonly string[] = []

  private chunks: Buffer[] = []
  private size = 0
  private ended = false
  private error: Error | null = null
  private waiter: (() => void) | null = null
  private consumed = false
  private paused = false
  /** `bytes()` is gathering the whole body: no pausing, the limit applies. */
  private gathering = false
  private received = 0
  private readonly maxSize: number
  private readonly limitStream: boolean

  constructor(limits: ResponseBodyLimits = {}) {
    this.maxSize = limits.maxSize ?? Infinity
    this.limitStream = limits.limitStream ?? false
  }

  /** Appends a piece of the body (called by the client). */
  push(chunk: Buffer): void {
    if (this.ended) return
    this.chunks.push(chunk)
    this.size += chunk.length
    this.received += chunk.length
    if ((this.limitStream ? this.received : this.gathering ? this.size : 0) > this.maxSize) {
      this.tooLarge()
      return
    }
    if (this.size > HIGH_WATER && !this.paused && !this.gathering && this.onPause !== null) {
      this.paused = true
      this.onPause()
    }
    this.wake()
  }

  /** Marks the end of the body (called by the client). */
  end(): void {
    this.ended = true
    this.wake()
  }

  /** Ends the body with an error (called by the client). */
  fail(err: Error): void {
    if (this.ended) return
    this.error = err
    this.ended = true
    this.wake()
  }

  /** Whether the whole body has arrived (or failed). */
  get complete(): boolean {
    return this.ended
  }

  /** Bytes received and not read yet (about the high-water mark, 64 KiB, while the reader is behind). */
  get buffered(): number {
    return this.size
  }

  /** Whether the body was read (or cancelled). */
  get bodyUsed(): boolean {
    return this.consumed
  }

  /**
   * The whole body as one buffer; fails with `PORTICO_ERR_RESPONSE_TOO_LARGE` (and closes the
   * connection) once it passes the request's `maxBodySize`.
   *
   * @example
   * ```ts
   * const png = await (await request(url)).body.bytes()
   * ```
   */
  async bytes(): Promise<Buffer> {
    this.claim()
    this.gathering = true
    if (this.size > this.maxSize) this.tooLarge()
    if (this.paused && !this.ended) {
      this.paused = false
      this.onResume?.()
    }
    while (!this.ended) await this.wait()
    if (this.error !== null) throw this.error
    const out = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size)
    this.chunks = []
    this.size = 0
    return out
  }

  /**
   * The whole body decoded as UTF-8.
   *
   * @example
   * ```ts
   * const html = await res.body.text()
   * ```
   */
  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8')
  }

  /**
   * The whole body parsed as JSON (a `SyntaxError` when it is not JSON).
   *
   * @example
   * ```ts
   * const { users } = await res.body.json<{ users: string[] }>()
   * ```
   */
  async json<T = unknown>(): Promise<T> {
    return JSON.parse(await this.text()) as T
  }

  /**
   * Discards the rest of the body. A complete body costs nothing; a body still arriving closes
   * the connection (cheaper than reading an unknown amount).
   *
   * @example
   * ```ts
   * if (res.status !== 200) await res.body.dump()
   * ```
   */
  async dump(): Promise<void> {
    this.consumed = true
    this.chunks = []
    this.size = 0
    if (!this.ended) {
      this.onCancel?.()
      this.end()
    }
  }

  /** Reads the body piece by piece; the source stays paused while the reader is behind. */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.claim()
    try {
      for (;;) {
        if (this.chunks.length > 0) {
          const chunk = this.chunks.shift() as Buffer
          this.size -= chunk.length
          if (this.paused && this.size <= HIGH_WATER / 2) {
            this.paused = false
            this.onResume?.()
          }
          yield chunk
          continue
        }
        if (this.ended) {
          if (this.error !== null) throw this.error
          return
        }
        if (this.paused) {
          this.paused = false
          this.onResume?.()
        }
        await this.wait()
      }
    } finally {
      if (!this.ended) {
        this.onCancel?.()
        this.ended = true
      }
    }
  }

  private claim(): void {
    if (this.consumed) throw new PorticoError('PORTICO_ERR_BODY_CONSUMED')
    this.consumed = true
  }

  /** Fails the body with `PORTICO_ERR_RESPONSE_TOO_LARGE` and stops the source. */
  private tooLarge(): void {
    const err = new PorticoError('PORTICO_ERR_RESPONSE_TOO_LARGE', `The response body is larger than maxBodySize (${this.maxSize} bytes)`)
    this.chunks = []
    this.size = 0
    if (this.ended) {
      this.error ??= err
      return
    }
    this.fail(err)
    this.onCancel?.()
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve
    })
  }

  private wake(): void {
    const waiter = this.waiter
    if (waiter !== null) {
      this.waiter = null
      waiter()
    }
  }
}
