/**
 * What an {@link SSEConnection} writes to: the shape of the server's `ResponseStream`
 * (`res.openStream()`), so a connection can also run over a fake in tests.
 * @module
 */
import type { BodyStream } from '../server/response-stream.js'

/**
 * A byte sink with backpressure and close notification.
 *
 * @example
 * ```ts
 * const transport: SseTransport = res.openStream({ raw: true })
 * const conn = new SSEConnection(transport, { path: '/events' })
 * ```
 */
export type SseTransport = BodyStream

/**
 * What the slow-consumer guard does when a connection's buffered bytes pass the high-water mark.
 *
 * @example
 * ```ts
 * res.startSSE({ slowConsumer: 'drop' satisfies SseSlowConsumerPolicy })
 * ```
 */
export type SseSlowConsumerPolicy = 'drop' | 'close'

/**
 * Options of one SSE connection.
 *
 * @example
 * ```ts
 * res.startSSE({ heartbeatMs: 30_000, highWaterMark: 256 * 1024, slowConsumer: 'drop' })
 * ```
 */
export interface SseConnectionOptions {
  /** Interval of the `:` keep-alive comment, sent only when nothing else was written meanwhile. Default 15 000; `0` turns it off. */
  heartbeatMs?: number
  /** Bytes buffered for this client past which {@link SseConnectionOptions.slowConsumer} applies. Default 1 MiB. */
  highWaterMark?: number
  /** `'close'` (default) closes a client that does not keep up; `'drop'` skips events until it catches up. */
  slowConsumer?: SseSlowConsumerPolicy
  /** A `retry:` sent first thing, in milliseconds. */
  retryMs?: number
}

/**
 * The defaults of {@link SseConnectionOptions}.
 *
 * @example
 * ```ts
 * SSE_DEFAULTS.heartbeatMs // 15000
 * ```
 */
export const SSE_DEFAULTS = Object.freeze({
  heartbeatMs: 15_000,
  highWaterMark: 1024 * 1024,
  slowConsumer: 'close' as SseSlowConsumerPolicy,
})
