/**
 * Proxies from the environment, as curl and most HTTP clients read them: `http_proxy` /
 * `HTTP_PROXY` for `http:` (and `ws:`) URLs, `https_proxy` / `HTTPS_PROXY` for `https:` (and
 * `wss:`), and `no_proxy` / `NO_PROXY` listing hosts that go direct.
 * @module
 */

/** The environment read by {@link proxyFromEnv} (defaults to `process.env`). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>

/**
 * The proxy to use for `url` according to the environment, or `null` to connect directly.
 * `NO_PROXY` is a comma list: `*` (no proxy at all), host names (`example.com` also matches its
 * subdomains, `.example.com` only them), IP addresses, and `host:port` entries.
 *
 * @example
 * ```ts
 * proxyFromEnv(new URL('https://api.example.com/'), { HTTPS_PROXY: 'http://proxy:3128' })
 * // URL { href: 'http://proxy:3128/' }
 * proxyFromEnv(new URL('http://localhost/'), { HTTP_PROXY: 'http://p:1', NO_PROXY: 'localhost' }) // null
 * ```
 */
export function proxyFromEnv(url: URL, env: ProxyEnv = process.env): URL | null {
  const secure = url.protocol === 'https:' || url.protocol === 'wss:'
  const raw = secure
    ? env.https_proxy ?? env.HTTPS_PROXY
    : env.http_proxy ?? env.HTTP_PROXY
  if (raw === undefined || raw.trim() === '') return null
  if (bypassed(url, env.no_proxy ?? env.NO_PROXY ?? '')) return null
  const value = raw.trim()
  return new URL(value.includes('://') ? value : 'http://' + value)
}

function bypassed(url: URL, noProxy: string): boolean {
  const host = stripBrackets(url.hostname).toLowerCase()
  const port = url.port === '' ? (url.protocol === 'https:' || url.protocol === 'wss:' ? '443' : '80') : url.port
  for (const item of noProxy.split(/[,\s]+/)) {
    let entry = item.trim().toLowerCase()
    if (entry === '') continue
    if (entry === '*') return true
    let entryPort: string | undefined
    const m = /^(.*):(\d+)$/.exec(entry)
    if (m !== null && !entry.endsWith(']') && (m[1].includes('.') || m[1].startsWith('[') || !m[1].includes(':'))) {
      entry = m[1]
      entryPort = m[2]
    }
    entry = stripBrackets(entry)
    if (entryPort !== undefined && entryPort !== port) continue
    if (entry.startsWith('*.')) entry = entry.slice(1)
    if (entry.startsWith('.')) {
      if (host.endsWith(entry)) return true
    } else if (host === entry || host.endsWith('.' + entry)) {
      return true
    }
  }
  return false
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}
