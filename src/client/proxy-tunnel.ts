/**
 * A `CONNECT` tunnel through an HTTP proxy (RFC 9110 §9.3.6): send `CONNECT host:port`, read the
 * proxy's answer, and hand back the socket as a raw byte pipe to the target.
 * @module
 */
import type { Socket } from 'node:net'
import { PorticoError } from '../errors.js'
import { ResponseParser } from '../http1/response-parser.js'
import type { ResponseHead } from '../http1/types.js'

const MAX_PROXY_HEAD = 16 * 1024

/**
 * A proxy URL as Portico uses it: `http://[user:pass@]host[:port]` (a bare `host:port` gets
 * `http://`). Other schemes are refused with `PORTICO_ERR_INVALID_REQUEST_URL`: Portico talks to
 * proxies over plain TCP, so an `https://` proxy (TLS to the proxy) is not supported.
 *
 * @example
 * ```ts
 * checkProxyUrl('127.0.0.1:3128') // URL { href: 'http://127.0.0.1:3128/' }
 * checkProxyUrl('https://proxy:443') // throws PORTICO_ERR_INVALID_REQUEST_URL
 * ```
 */
export function checkProxyUrl(value: string | URL): URL
export function checkProxyUrl(value: string | URL | null): URL | null
export function checkProxyUrl(value: string | URL | null): URL | null {
  if (value === null) return null
  let url: URL
  try {
    url = value instanceof URL ? value : new URL(value.includes('://') ? value : 'http://' + value)
  } catch (err) {
    throw new PorticoError('PORTICO_ERR_INVALID_REQUEST_URL', `Invalid proxy URL: ${String(value)}`, { cause: err })
  }
  if (url.protocol !== 'http:') {
    throw new PorticoError(
      'PORTICO_ERR_INVALID_REQUEST_URL',
      `Unsupported proxy protocol ${url.protocol} (${url.host}): only http:// proxies are supported, TLS to the proxy is not`,
    )
  }
  return url
}
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1')

/**
 * Asks the proxy at the other end of `socket` for a tunnel to `host:port`. Resolves once the
 * proxy answered 2xx; rejects with `PORTICO_ERR_PROXY_TUNNEL` otherwise (the socket is
 * destroyed). The socket is resolved neither flowing nor paused (`readableFlowing === null`),
 * with the tunnelled bytes that came with the proxy's answer put back at the front of its
 * buffer: the next reader (a `'data'` listener, `read()`, `tls.connect({ socket })`) gets
 * them, however late it comes.
 *
 * @example
 * ```ts
 * const socket = net.connect(3128, 'proxy.local')
 * await once(socket, 'connect')
 * await connectTunnel(socket, 'example.com', 443)
 * const secure = tls.connect({ socket, servername: 'example.com' })
 * ```
 */
export function connectTunnel(socket: Socket, host: string, port: number, proxyAuthorization?: string): Promise<void> {
  const authority = (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host) + ':' + port
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`
  if (proxyAuthorization !== undefined) head += `Proxy-Authorization: ${proxyAuthorization}\r\n`
  head += '\r\n'

  return new Promise<void>((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0)
    const cleanup = (): void => {
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
    }
    const fail = (message: string, cause?: unknown): void => {
      cleanup()
      socket.destroy()
      reject(new PorticoError('PORTICO_ERR_PROXY_TUNNEL', message, { cause }))
    }
    const onError = (err: Error): void => fail(`Proxy connection failed: ${err.message}`, err)
    const onClose = (): void => fail('The proxy closed the connection before answering CONNECT')
    const onData = (data: Buffer): void => {
      buffered = buffered.length === 0 ? data : Buffer.concat([buffered, data])
      const end = buffered.indexOf(HEAD_END)
      if (end === -1) {
        if (buffered.length > MAX_PROXY_HEAD) fail('The proxy answer to CONNECT is too large')
        return
      }
      const headBytes = buffered.subarray(0, end + 4)
      const rest = buffered.subarray(end + 4)
      let response: ResponseHead | undefined
      try {
        const parser = new ResponseParser({
          onHead: (h) => { response = h; return true },
          onBody: () => {},
          onComplete: () => {},
        })
        parser.execute(headBytes)
      } catch (err) {
        fail('Malformed proxy answer to CONNECT', err)
        return
      }
      if (response === undefined) return fail('Malformed proxy answer to CONNECT')
      if (response.statusCode < 200 || response.statusCode > 299) {
        return fail(`The proxy answered CONNECT with ${response.statusCode} ${response.statusMessage}`.trim())
      }
      cleanup()
      // Our 'data' listener left the stream flowing: with no listener, the bytes put back (and
      // any that follow) would be emitted to nobody. Neither flowing nor paused, they wait.
      ;(socket as { readableFlowing: boolean | null }).readableFlowing = null
      if (rest.length > 0) socket.unshift(rest)
      resolve()
    }
    socket.on('data', onData)
    socket.on('error', onError)
    socket.on('close', onClose)
    socket.write(head, 'latin1')
  })
}

/**
 * The `Proxy-Authorization` value (Basic, RFC 7617) for a proxy URL with credentials, if any.
 *
 * @example
 * ```ts
 * proxyAuthorization(new URL('http://user:pa%20ss@proxy:3128')) // 'Basic dXNlcjpwYSBzcw=='
 * ```
 */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === '' && proxy.password === '') return undefined
  const credentials = decodeURIComponent(proxy.username) + ':' + decodeURIComponent(proxy.password)
  return 'Basic ' + Buffer.from(credentials, 'utf8').toString('base64')
}
