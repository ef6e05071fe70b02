/**
 * The `Date` header value (RFC 9110 §6.6.1, IMF-fixdate), cached: recomputed at most once a
 * second, without timers (the clock is read on each call, the string only rebuilt when the
 * second changes).
 * @module
 */

let cachedSecond = -1
let cachedValue = ''

/**
 * The current time as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), rebuilt at most once a
 * second.
 *
 * @example
 * ```ts
 * import { httpDate } from 'portico/http1'
 * headers.push('Date', httpDate())
 * ```
 */
export function httpDate(): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedValue = new Date(second * 1000).toUTCString()
  }
  return cachedValue
}
