/**
 * `for await (const ev of sse(url))`: an event stream as an async iterator, reconnecting
 * underneath like an `EventSource`.
 * @module
 */
import { SseSubscription, type SseClientOptions } from './sse-client.js'
import type { ParsedSseEvent } from './stream-parser.js'

/**
 * Options of {@link sse}.
 *
 * @example
 * ```ts
 * sse(url, { signal: AbortSignal.timeout(60_000), onError: (e) => console.warn(e) })
 * ```
 */
export interface SseIteratorOptions extends SseClientOptions {
  /** Stops the iteration (it ends normally). */
  signal?: AbortSignal
  /** Called on each transient failure before a reconnection (the iteration goes on). */
  onError?: (error: Error | undefined) => void
  /** Events held while the loop body is busy before the oldest are dropped. Default 10 000. */
  maxQueue?: number
}

/**
 * Iterates the events of a stream. The iteration ends when the server answers 204, when
 * `signal` aborts, or when the loop is left (`break`); it throws `PORTICO_ERR_SSE_BAD_RESPONSE`
 * when the endpoint answers something other than an event stream. Connection failures are
 * retried with the stream's reconnection time and backoff, sending `Last-Event-ID`.
 *
 * @example
 * ```ts
 * import { sse } from 'portico/sse'
 * for await (const ev of sse('http://127.0.0.1:8080/events')) {
 *   console.log(ev.type, ev.data, ev.lastEventId)
 *   if (ev.type === 'bye') break
 * }
 * ```
 */
export function sse(url: string | URL, options: SseIteratorOptions = {}): AsyncIterableIterator<ParsedSseEvent> {
  const queue: ParsedSseEvent[] = []
  const maxQueue = options.maxQueue ?? 10_000
  let head = 0
  let done = false
  let failure: Error | undefined
  let wake: (() => void) | undefined

  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  const finish = (err?: Error): void => {
    if (done) return
    done = true
    failure = err
    sub.close()
    options.signal?.removeEventListener('abort', onAbort)
    notify()
  }
  const onAbort = (): void => finish()

  const sub = new SseSubscription(url, {
    onOpen: () => {},
    onEvent: (ev) => {
      // Full: the oldest event makes room. Consumed and dropped slots are released once they
      // outnumber the queue's bound, so memory stays within about twice maxQueue events.
      if (queue.length - head >= maxQueue) head++
      if (head > maxQueue) {
        queue.splice(0, head)
        head = 0
      }
      queue.push(ev)
      notify()
    },
    onError: (err, reconnecting) => {
      if (reconnecting) options.onError?.(err)
      else finish(err)
    },
  }, options)
  if (options.signal?.aborted === true) finish()
  else {
    options.signal?.addEventListener('abort', onAbort, { once: true })
    sub.start()
  }

  const iterator: AsyncIterableIterator<ParsedSseEvent> = {
    async next(): Promise<IteratorResult<ParsedSseEvent>> {
      for (;;) {
        if (head < queue.length) {
          const value = queue[head++]
          if (head === queue.length) {
            queue.length = 0
            head = 0
          }
          return { value, done: false }
        }
        if (done) {
          if (failure !== undefined) {
            const err = failure
            failure = undefined
            throw err
          }
          return { value: undefined, done: true }
        }
        await new Promise<void>((resolve) => {
          wake = resolve
        })
      }
    },
    async return(): Promise<IteratorResult<ParsedSseEvent>> {
      finish()
      queue.length = 0
      head = 0
      return { value: undefined, done: true }
    },
    [Symbol.asyncIterator]() {
      return iterator
    },
  }
  return iterator
}
