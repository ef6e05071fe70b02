/**
 * Where a server listens: a port (`'*'` dual-stack, `'0.0.0.0'` IPv4, or one address; port 0
 * picks a free one), an existing `net.Server`, a socket handle or a file descriptor (systemd
 * style), with TLS from file paths or PEM contents.
 * @module
 */
import { readFileSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import { PorticoError } from '../errors.js'

/**
 * TLS material: file paths (as the seed) or PEM contents.
 *
 * @example
 * ```ts
 * await server.listen(443, '*', { tls: { key: '/etc/ssl/key.pem', cert: '/etc/ssl/cert.pem' } })
 * ```
 */
export interface TlsFiles {
  key: string | Buffer
  cert: string | Buffer
  /** Any other `tls.createServer` option. */
  options?: tls.TlsOptions
}

/**
 * Options of `server.listen`.
 *
 * @example
 * ```ts
 * await server.listen(8443, '0.0.0.0', { tls: { key: keyPem, cert: certPem }, backlog: 1024 })
 * ```
 */
export interface ListenOptions {
  /** Serve HTTPS. */
  tls?: TlsFiles
  /** Listen backlog. */
  backlog?: number
  /**
   * Buffer size of each accepted socket (its readable and writable `highWaterMark`), for the
   * listeners Portico creates. Defaults to the server's `bufSize` option, else Node's default.
   */
  highWaterMark?: number
}

/**
 * What to listen on: a port, an existing `net.Server` (its connections are served; it is
 * listened on if it does not yet listen), a handle (`{ handle }`), or a descriptor (`{ fd }`).
 *
 * @example
 * ```ts
 * await server.listen({ fd: 3 }) // a socket passed by systemd
 * ```
 */
export type ListenTarget = number | net.Server | { fd: number } | { handle: object }

/**
 * PEM text from a path or from PEM contents.
 *
 * @example
 * ```ts
 * readPem('/etc/ssl/key.pem'); readPem('-----BEGIN PRIVATE KEY-----\n…')
 * ```
 */
export function readPem(value: string | Buffer): string | Buffer {
  if (Buffer.isBuffer(value)) return value
  return value.includes('-----BEGIN') ? value : readFileSync(value)
}

/**
 * Creates (or adopts) the listening server and starts listening; resolves when it listens.
 *
 * @example
 * ```ts
 * const listener = await openListener(0, '*', {}, (socket) => engine.accept(socket))
 * ```
 */
export async function openListener(
  target: ListenTarget,
  bindAddress: string,
  options: ListenOptions,
  onSocket: (socket: net.Socket) => void,
): Promise<{ listener: net.Server; owned: boolean }> {
  if (target instanceof net.Server) {
    const event = target instanceof tls.Server ? 'secureConnection' : 'connection'
    target.on(event, onSocket)
    if (!target.listening) await new Promise<void>((resolve, reject) => {
      target.once('listening', resolve)
      target.once('error', reject)
    })
    return { listener: target, owned: false }
  }
  let listener: net.Server
  const buffers: net.ServerOpts = options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }
  if (options.tls !== undefined) {
    const t = options.tls
    listener = tls.createServer({ ...t.options, ...buffers, key: readPem(t.key), cert: readPem(t.cert), allowHalfOpen: true }, onSocket)
  } else {
    listener = net.createServer({ ...buffers, allowHalfOpen: true, noDelay: true }, onSocket)
  }
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => reject(err)
    listener.once('error', fail)
    const done = (): void => {
      listener.removeListener('error', fail)
      resolve()
    }
    if (typeof target === 'number') {
      const spec: net.ListenOptions = { port: target }
      if (bindAddress !== '*' && bindAddress !== '') spec.host = bindAddress
      if (options.backlog !== undefined) spec.backlog = options.backlog
      listener.listen(spec, done)
    } else if (typeof target === 'object' && target !== null && 'fd' in target) listener.listen({ fd: target.fd }, done)
    else if (typeof target === 'object' && target !== null && 'handle' in target) listener.listen(target.handle, done)
    else reject(new PorticoError('PORTICO_ERR_INVALID_LISTEN_TARGET'))
  })
  return { listener, owned: true }
}
