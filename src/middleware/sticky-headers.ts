/**
 * Headers that survive an error answer. The engine drops the headers a handler set before it
 * writes an error (`resetHeaders`), which is right for `Content-Type` and wrong for CORS:
 * a browser hides a 500 without `Access-Control-Allow-Origin` as a network error.
 * @module
 */
import type { PorticoResponse } from '../server/response.js'

/**
 * Calls `reapply(res)` each time the response's headers are reset before an error answer.
 *
 * @example
 * ```ts
 * keepOnReset(res, (r) => r.setHeader('Access-Control-Allow-Origin', '*'))
 * ```
 */
export function keepOnReset(res: PorticoResponse, reapply: (res: PorticoResponse) => void): void {
  const reset = res.resetHeaders.bind(res)
  res.resetHeaders = (): void => {
    reset()
    reapply(res)
  }
}
