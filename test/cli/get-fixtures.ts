/**
 * Helpers of the `portico get` tests: a raw loopback server on 127.0.0.1 (port 0) that answers
 * exactly the bytes a test needs (errors, redirects it cannot follow, resets mid-body, ranges),
 * and a check that stderr is one line with no stack trace.
 */
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'

/** The 1 MB body of `/big` (`a` bytes), served with ranges. */
export const BIG = Buffer.alloc(1_000_000, 0x61)

/** A running fixture server. */
export interface GetServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string
  /** The requests received, in order: path, and the `N` of `Range: bytes=N-` when one was sent. */
  readonly requests: { path: string; range: number | undefined }[]
  close(): Promise<void>
}

type Send = (status: string, headers: Record<string, string | number>, body?: string | Buffer) => void

/** Answers one request; `range` is the `N` of `Range: bytes=N-`. */
function answer(path: string, range: number | undefined, sock: Socket, send: Send): void {
  switch (path) {
    case '/ok': return send('200 OK', { 'content-type': 'text/plain' }, 'hello\n')
    case '/bin': return send('200 OK', { 'content-type': 'application/octet-stream' }, Buffer.from([0, 1, 2, 0x1b, 0x5b, 0x32, 0x4a, 0xff]))
    case '/nul': return send('200 OK', {}, Buffer.from('PK\u0003\u0004\u0000\u0000binary'))
    case '/404': return send('404 Not Found', { 'content-type': 'text/plain' }, 'nope\n')
    case '/big503': return send('503 Service Unavailable', { 'content-type': 'text/plain' }, 'down for maintenance\n')
    case '/loop': return send('302 Found', { location: '/loop' }, 'see /loop\n')
    case '/toftp': return send('302 Found', { location: 'ftp://127.0.0.1/x' })
    case '/badloc': return send('301 Moved Permanently', { location: 'http://[::1' })
    case '/reset':
      // Promises 1 MB, sends 100 kB, then resets the connection.
      sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${BIG.length}\r\n\r\n`)
      sock.write(BIG.subarray(0, 100_000), () => setTimeout(() => sock.resetAndDestroy(), 50))
      return
    case '/big':
      if (range === undefined) return send('200 OK', {}, BIG)
      if (range >= BIG.length) return send('416 Range Not Satisfiable', { 'content-range': `bytes */${BIG.length}` })
      return send('206 Partial Content', { 'content-range': `bytes ${range}-${BIG.length - 1}/${BIG.length}` }, BIG.subarray(range))
    case '/nosize416':
      return send('416 Range Not Satisfiable', {})
    default:
      return send('404 Not Found', {}, 'unknown\n')
  }
}

/**
 * Starts the fixture server on 127.0.0.1, port 0.
 *
 * @example
 * ```ts
 * const server = await getServer()
 * await runCli(['get', `${server.url}/big503`])
 * ```
 */
export async function getServer(): Promise<GetServer> {
  const requests: { path: string; range: number | undefined }[] = []
  const sockets = new Set<Socket>()
  const server = createServer((sock) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
    sock.on('error', () => {})
    let head = ''
    sock.on('data', (data: Buffer) => {
      head += data.toString('latin1')
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      const text = head.slice(0, end)
      head = ''
      const path = text.split(' ')[1] ?? '/'
      const range = /^range: *bytes=(\d+)-/im.exec(text)
      const from = range === null ? undefined : Number(range[1])
      requests.push({ path, range: from })
      const send: Send = (status, headers, body = '') => {
        const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body)
        const fields = Object.entries({ 'content-length': bytes.length, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('')
        sock.write(`HTTP/1.1 ${status}\r\n${fields}\r\n`)
        sock.write(bytes)
      }
      answer(path, from, sock, send)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    }),
  }
}

/** Asserts that `stderr` is one line (the command's own), with no stack trace. */
export function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n')
  assert.doesNotMatch(stderr, /^\s+at |node:internal|throw er|Error:.*\n\s+at /m, `a stack trace: ${stderr}`)
  assert.equal(lines.length, 1, `one line expected, got: ${stderr}`)
  assert.match(lines[0], /^portico get: /)
  assert.match(lines[0], pattern)
}
