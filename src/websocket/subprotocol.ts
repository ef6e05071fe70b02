/**
 * Subprotocols (RFC 6455 §1.9, §4.2.2): the client offers a list in `Sec-WebSocket-Protocol`,
 * the server selects at most one of them.
 * @module
 */
import { splitTokens } from '../http1/headers.js'

/**
 * How a server selects a subprotocol: a list of the ones it speaks, in its order of
 * preference, or a function of the client's offers (returning `undefined` selects none).
 */
export type SubprotocolSelector = readonly string[] | ((offered: string[]) => string | undefined)

/**
 * The client's offered subprotocols, in order (duplicates removed).
 *
 * @example
 * ```ts
 * parseSubprotocols('chat, superchat') // ['chat', 'superchat']
 * ```
 */
export function parseSubprotocols(value: string | undefined): string[] {
  if (value === undefined) return []
  return [...new Set(splitTokens(value))]
}

/**
 * The subprotocol to answer with, or `undefined` (then no `Sec-WebSocket-Protocol` is sent).
 * A list selects the first of the server's preferences that the client offered; a function's
 * answer is accepted only when it is one of the offers.
 *
 * @example
 * ```ts
 * selectSubprotocol(['graphql-ws', 'chat'], ['chat', 'graphql-ws']) // 'graphql-ws'
 * ```
 */
export function selectSubprotocol(selector: SubprotocolSelector | undefined, offered: string[]): string | undefined {
  if (selector === undefined || offered.length === 0) return undefined
  if (typeof selector === 'function') {
    const chosen = selector(offered)
    return chosen !== undefined && offered.includes(chosen) ? chosen : undefined
  }
  for (const name of selector) if (offered.includes(name)) return name
  return undefined
}
