/**
 * One-line explanations of why a server could not listen, for the commands that start one.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { createSecureContext } from 'node:tls'

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

/**
 * Reads and checks a PEM key and certificate before any server starts (and, with `--workers`,
 * before any worker is forked): the PEM contents, or the one line saying what is wrong.
 *
 * @example
 * ```ts
 * const tls = await loadTlsFiles({ key: 'key.pem', cert: 'cert.pem' })
 * if (typeof tls === 'string') fail(tls) // 'TLS file not found: key.pem'
 * ```
 */
export async function loadTlsFiles(files: { key: string; cert: string }): Promise<{ key: Buffer; cert: Buffer } | string> {
  const read = async (path: string): Promise<Buffer | string> => {
    try {
      return await readFile(path)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (e.code === 'ENOENT') return `TLS file not found: ${path}`
      return `cannot read TLS file ${path}: ${e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a directory' : e.message}`
    }
  }
  const key = await read(files.key)
  if (typeof key === 'string') return key
  const cert = await read(files.cert)
  if (typeof cert === 'string') return cert
  try {
    createSecureContext({ key, cert })
  } catch (err) {
    return `bad TLS key or certificate (${files.key}, ${files.cert}): ${(err as Error).message}`
  }
  return { key, cert }
}
