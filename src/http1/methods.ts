/**
 * The request methods the parser accepts: llhttp's list for HTTP (RFC 9110 §9 and the
 * registered extension methods), so Portico is never looser than Node. The RTSP-only names are
 * recognised only to be refused at the protocol name, where llhttp refuses them.
 * @module
 */

/**
 * Methods accepted on an HTTP request line.
 *
 * @example
 * ```ts
 * HTTP_METHODS.has('PROPFIND') // true
 * ```
 */
export const HTTP_METHODS: ReadonlySet<string> = new Set([
  'DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'OPTIONS', 'TRACE', 'COPY', 'LOCK', 'MKCOL', 'MOVE',
  'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK', 'BIND', 'REBIND', 'UNBIND', 'ACL', 'REPORT', 'MKACTIVITY',
  'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PATCH', 'PURGE', 'MKCALENDAR',
  'LINK', 'UNLINK', 'SOURCE', 'PRI', 'QUERY',
])

const RTSP_ONLY = ['DESCRIBE', 'ANNOUNCE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER', 'SET_PARAMETER', 'REDIRECT', 'RECORD', 'FLUSH']

/**
 * Every method name llhttp knows (HTTP and RTSP).
 *
 * @example
 * ```ts
 * ALL_METHODS.has('ANNOUNCE') // true (then refused: Portico speaks HTTP only)
 * ```
 */
export const ALL_METHODS: ReadonlySet<string> = new Set([...HTTP_METHODS, ...RTSP_ONLY])

const ALL_LIST = [...ALL_METHODS]

/**
 * How many leading characters of `text` are a prefix of some known method: where a method
 * parser reading byte by byte would have stopped.
 *
 * @example
 * ```ts
 * methodPrefixLength('MKCOLA') // 5
 * ```
 */
export function methodPrefixLength(text: string): number {
  let best = 0
  for (const m of ALL_LIST) {
    let i = 0
    while (i < text.length && i < m.length && text.charCodeAt(i) === m.charCodeAt(i)) i++
    if (i > best) best = i
  }
  return best
}

/**
 * The common methods recognised from their bytes without decoding (`undefined` otherwise).
 *
 * @example
 * ```ts
 * commonMethod(Buffer.from('GET /'), 0, 3) // 'GET'
 * ```
 */
export function commonMethod(d: Buffer, s: number, n: number): string | undefined {
  const c = d[s]
  switch (n) {
    case 3:
      if (c === 0x47 && d[s + 1] === 0x45 && d[s + 2] === 0x54) return 'GET'
      if (c === 0x50 && d[s + 1] === 0x55 && d[s + 2] === 0x54) return 'PUT'
      break
    case 4:
      if (c === 0x50 && d[s + 1] === 0x4f && d[s + 2] === 0x53 && d[s + 3] === 0x54) return 'POST'
      if (c === 0x48 && d[s + 1] === 0x45 && d[s + 2] === 0x41 && d[s + 3] === 0x44) return 'HEAD'
      break
    case 5:
      if (c === 0x50 && d[s + 1] === 0x41 && d[s + 2] === 0x54 && d[s + 3] === 0x43 && d[s + 4] === 0x48) return 'PATCH'
      break
    case 6:
      if (c === 0x44 && d[s + 1] === 0x45 && d[s + 2] === 0x4c && d[s + 3] === 0x45 && d[s + 4] === 0x54 && d[s + 5] === 0x45) return 'DELETE'
      break
    case 7:
      if (c === 0x4f && d.latin1Slice(s, s + 7) === 'OPTIONS') return 'OPTIONS'
      if (c === 0x43 && d.latin1Slice(s, s + 7) === 'CONNECT') return 'CONNECT'
      break
  }
  return undefined
}
