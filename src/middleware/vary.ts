/**
 * `Vary` bookkeeping (RFC 9110 §12.5.5): adds a field name once, whatever fields are set already.
 * @module
 */
import type { PorticoResponse } from '../server/response.js'

/**
 * Adds `name` to the response's `Vary` unless it (or `*`) is already listed.
 *
 * @example
 * ```ts
 * addVary(res, 'Accept-Encoding')
 * addVary(res, 'Accept-Encoding') // no second token
 * ```
 */
export function addVary(res: PorticoResponse, name: string): void {
  const flat = res.getHeaders()
  const wanted = name.toLowerCase()
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i].toLowerCase() !== 'vary') continue
    for (const token of flat[i + 1].split(',')) {
      const t = token.trim().toLowerCase()
      if (t === '*' || t === wanted) return
    }
  }
  res.addHeader('Vary', name)
}
