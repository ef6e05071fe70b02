/**
 * Helpers over flat header lists (`[name0, value0, name1, value1, …]`, Node's `rawHeaders`
 * shape) and over comma-separated field values (RFC 9110 §5.6.1).
 * @module
 */

/**
 * The value of the first field named `name` (case-insensitive) in a flat list, or `undefined`.
 *
 * @example
 * ```ts
 * getHeader(['Host', 'a', 'content-type', 'text/plain'], 'Content-Type') // 'text/plain'
 * ```
 */
export function getHeader(raw: readonly string[], name: string): string | undefined {
  const n = name.length
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]
    if (key.length === n && (key === name || key.toLowerCase() === name.toLowerCase())) return raw[i + 1]
  }
  return undefined
}

/**
 * Every value of the fields named `name` (case-insensitive), in order.
 *
 * @example
 * ```ts
 * getHeaderAll(['Via', 'a', 'via', 'b'], 'VIA') // ['a', 'b']
 * ```
 */
export function getHeaderAll(raw: readonly string[], name: string): string[] {
  const out: string[] = []
  const n = name.length
  const lower = name.toLowerCase()
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]
    if (key.length === n && key.toLowerCase() === lower) out.push(raw[i + 1])
  }
  return out
}

/**
 * Splits a comma-separated list (RFC 9110 §5.6.1) into its trimmed, non-empty members, keeping
 * their case.
 *
 * @example
 * ```ts
 * splitTokens(' keep-alive , Upgrade,,') // ['keep-alive', 'Upgrade']
 * ```
 */
export function splitTokens(value: string): string[] {
  const out: string[] = []
  let start = 0
  const len = value.length
  for (let i = 0; i <= len; i++) {
    if (i === len || value.charCodeAt(i) === 0x2c) {
      let a = start
      let b = i
      while (a < b && isOws(value.charCodeAt(a))) a++
      while (b > a && isOws(value.charCodeAt(b - 1))) b--
      if (b > a) out.push(value.slice(a, b))
      start = i + 1
    }
  }
  return out
}

/**
 * Whether a comma-separated list contains `token`, compared case-insensitively
 * (`Connection: keep-alive, Upgrade` contains `upgrade`).
 *
 * @example
 * ```ts
 * hasToken('keep-alive, Upgrade', 'upgrade') // true
 * ```
 */
export function hasToken(value: string, token: string): boolean {
  const lower = token.toLowerCase()
  for (const member of splitTokens(value)) if (member.toLowerCase() === lower) return true
  return false
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09
}
