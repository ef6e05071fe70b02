/**
 * One-line explanations of why a server could not listen, for the commands that start one.
 * @module
 */

/**
 * Describes a `listen` failure in one line (no stack): busy port, no permission, unknown
 * address, missing TLS file, or the system's own message.
 *
 * @example
 * ```ts
 * describeListenError(Object.assign(new Error('x'), { code: 'EADDRINUSE' }), 8080, '127.0.0.1')
 * // 'port 8080 on 127.0.0.1 is already in use'
 * ```
 */
export function describeListenError(err: unknown, port: number, addr: string): string {
  const e = err as NodeJS.ErrnoException
  switch (e.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${addr} is already in use`
    case 'EACCES':
      return `no permission to listen on port ${port} on ${addr}`
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `address ${addr} is not available on this machine`
    case 'ENOENT':
      return `TLS file not found: ${e.path ?? ''}`
    default:
      return `cannot listen: ${e.message ?? String(err)}`
  }
}
