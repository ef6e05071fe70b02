/**
 * Content-coding negotiation, RFC 9110 §12.5.3 (`Accept-Encoding`) with quality values (§12.4.2).
 * @module
 */

/** The codings Portico can produce, in the server's order of preference. */
export type Coding = 'br' | 'gzip' | 'deflate'

/**
 * The server's preference when the client weighs codings equally.
 *
 * @example
 * ```ts
 * negotiateEncoding('gzip, br', DEFAULT_CODINGS) // 'br'
 * ```
 */
export const DEFAULT_CODINGS: readonly Coding[] = ['br', 'gzip', 'deflate']

interface Weighted {
  readonly name: string
  readonly q: number
}

/**
 * Parses an `Accept-Encoding` value: `#( codings [ weight ] )`, `weight = OWS ";" OWS "q=" qvalue`.
 * Names are lower-cased; `x-gzip` counts as `gzip` (§8.4.1.3). Malformed q-values count as 0.
 *
 * @example
 * ```ts
 * parseAcceptEncoding('gzip;q=0.5, br') // [{ name: 'gzip', q: 0.5 }, { name: 'br', q: 1 }]
 * ```
 */
export function parseAcceptEncoding(value: string): Weighted[] {
  const out: Weighted[] = []
  for (const member of value.split(',')) {
    const parts = member.split(';')
    let name = parts[0].trim().toLowerCase()
    if (name === '') continue
    if (name === 'x-gzip') name = 'gzip'
    let q = 1
    for (let i = 1; i < parts.length; i++) {
      const param = parts[i].trim()
      if (param.length > 2 && (param[0] === 'q' || param[0] === 'Q') && param[1] === '=') {
        const v = param.slice(2)
        q = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/.test(v) ? Number(v) : 0
      }
    }
    out.push({ name, q })
  }
  return out
}

/**
 * Picks the coding to apply to a response (RFC 9110 §12.5.3): the acceptable coding (q > 0)
 * with the highest weight, ties broken by the order of `available`, provided the client does
 * not weigh `identity` (no coding) higher. A `*` member stands for every coding not named,
 * `identity` included. `identity`'s own weight is that of an `identity` member, else of `*`;
 * when the client names neither, identity stays acceptable but below any coding it lists.
 * At equal weight a coding wins over identity reached through `*`, while an `identity`
 * member the client named itself wins a tie: a coding must weigh strictly more.
 * Answers `'identity'` when no coding wins or the header is absent (no preference, and
 * identity is always a safe answer).
 *
 * @example
 * ```ts
 * negotiateEncoding('gzip, deflate, br')      // 'br'
 * negotiateEncoding('br;q=0.1, gzip')          // 'gzip'
 * negotiateEncoding('identity, gzip;q=0.5')    // 'identity'
 * negotiateEncoding('*')                       // 'br'
 * negotiateEncoding(undefined)                 // 'identity'
 * negotiateEncoding('gzip', ['br'])            // 'identity'
 * ```
 */
export function negotiateEncoding(header: string | undefined, available: readonly string[] = DEFAULT_CODINGS): string {
  if (header === undefined || available.length === 0) return 'identity'
  const weighted = parseAcceptEncoding(header)
  let star: number | undefined
  const named = new Map<string, number>()
  for (const { name, q } of weighted) {
    if (name === '*') star = Math.max(q, star ?? 0)
    else named.set(name, Math.max(q, named.get(name) ?? 0))
  }
  let best = 'identity'
  let bestQ = 0
  for (const coding of available) {
    if (coding === 'identity') continue
    const q = named.get(coding) ?? star ?? 0
    if (q > bestQ) {
      best = coding
      bestQ = q
    }
  }
  if (best === 'identity') return best
  const identity = named.get('identity')
  if (identity !== undefined) return bestQ > identity ? best : 'identity'
  if (star !== undefined) return bestQ >= star ? best : 'identity'
  return best
}
