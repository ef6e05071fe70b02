/**
 * Helpers of the middleware tests: a started server, requests with `node:http` (a real peer),
 * raw requests over a socket for targets `node:http` would not send, and fixture directories.
 */
import http from 'node:http'
import net from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type Server } from '../../src/server/index.js'
import '../../src/middleware/install.js'

/** A server on 127.0.0.1:0 set up by `setup`. */
export async function started(setup: (s: Server) => void): Promise<Server> {
  const server = createServer()
  server.on('serverError', () => undefined)
  setup(server)
  await server.listen(0, '127.0.0.1')
  return server
}

/** An answer as read by `node:http`. */
export interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  text: string
}

/** Sends one request (no keep-alive) and reads the whole answer. */
export function request(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Writes `bytes` as they are and reads until the server closes; returns all it sent. */
export function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.from(bytes, 'latin1')))
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => (data += d))
    socket.on('error', reject)
    socket.on('close', () => resolve(data))
  })
}

/** `GET target` sent as it is, read until the server closes; returns the status and the text. */
export async function rawRequest(port: number, target: string): Promise<{ status: number; text: string }> {
  const data = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  return { status: Number(data.slice(9, 12)), text: data }
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `portico-${prefix}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
