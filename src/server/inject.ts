/**
 * `server.inject(request)`: a request through the very same engine (parser, routing,
 * handlers, head writer) over an in-memory duplex instead of a socket, the answer read back
 * with the http1 response parser (tiny_httpd's IO-backend idea). For tests.
 * @module
 */
import { Duplex } from 'node:stream'
import { writeRequestHead } from '../http1/head-writer.js'
import { ResponseParser } from '../http1/response-parser.js'
import type { ResponseHead } from '../http1/types.js'
import type { Server } from './server.js'

/**
 * A request to inject.
 *
 * @example
 * ```ts
 * await server.inject({ method: 'PUT', url: '/items/1', headers: { 'x-token': 't' }, body: { name: 'x' } })
 * ```
 */
export interface InjectRequest {
  /** Default `'GET'`. */
  method?: string
  /** The request-target (`'/users/1?x=2'`). */
  url: string
  headers?: Record<string, string> | readonly [string, string][]
  /** A string or bytes as they are; any other value is sent as JSON. */
  body?: string | Uint8Array | object
  /** What `req.remoteAddress` reports (default `'127.0.0.1'`). */
  remoteAddress?: string
}

/**
 * The answer to an injected request.
 *
 * @example
 * ```ts
 * const r = await server.inject({ url: '/' }); r.statusCode; r.headers['content-type']; r.json()
 * ```
 */
export interface InjectResponse {
  statusCode: number
  statusMessage: string
  /** Lower-cased names; repeated fields joined with `, `. */
  headers: Record<string, string>
  /** Flat `[name, value, …]` as sent. */
  rawHeaders: string[]
  body: Buffer
  text(): string
  json<T = unknown>(): T
}

/**
 * Runs `request` through `server` and resolves with its answer.
 *
 * @example
 * ```ts
 * const r = await inject(server, { method: 'POST', url: '/items', body: { name: 'x' } })
 * assert.equal(r.statusCode, 201)
 * ```
 */
export function inject(server: Server, request: InjectRequest): Promise<InjectResponse> {
  const fields: string[] = []
  const given = request.headers === undefined ? [] : Array.isArray(request.headers) ? request.headers : Object.entries(request.headers)
  for (const [k, v] of given as [string, string][]) fields.push(k, v)
  const has = (name: string): boolean => fields.some((f, i) => i % 2 === 0 && f.toLowerCase() === name)
  let body: Buffer | undefined
  if (request.body !== undefined) {
    if (typeof request.body === 'string') body = Buffer.from(request.body, 'utf8')
    else if (request.body instanceof Uint8Array) body = Buffer.from(request.body)
    else {
      body = Buffer.from(JSON.stringify(request.body), 'utf8')
      if (!has('content-type')) fields.push('Content-Type', 'application/json')
    }
  }
  if (!has('host')) fields.push('Host', 'localhost')
  if (body !== undefined && !has('content-length') && !has('transfer-encoding')) fields.push('Content-Length', String(body.length))
  const head = writeRequestHead(request.method ?? 'GET', request.url, fields)

  return new Promise((resolve, reject) => {
    const out: Buffer[] = []
    const stream = new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk)
        cb()
      },
      final(cb) {
        cb()
        stream.destroy()
      },
    })
    Object.defineProperty(stream, 'remoteAddress', { value: request.remoteAddress ?? '127.0.0.1' })
    stream.on('close', () => {
      try {
        resolve(readAnswer(Buffer.concat(out), (request.method ?? 'GET').toUpperCase() === 'HEAD'))
      } catch (err) {
        reject(err)
      }
    })
    server.serve(stream)
    stream.push(head, 'latin1')
    if (body !== undefined && body.length > 0) stream.push(body)
    stream.push(null)
  })
}

function readAnswer(bytes: Buffer, isHead: boolean): InjectResponse {
  let final: ResponseHead | undefined
  const chunks: Buffer[] = []
  const parser = new ResponseParser({
    onHead(head) {
      if (head.statusCode >= 200) final = head
      return isHead
    },
    onBody(chunk) {
      chunks.push(chunk)
    },
    onComplete() {},
  })
  parser.execute(bytes)
  parser.finish()
  if (final === undefined) throw new Error('No response')
  const head: ResponseHead = final
  const headers: Record<string, string> = {}
  for (let i = 0; i < head.rawHeaders.length; i += 2) {
    const k = head.rawHeaders[i].toLowerCase()
    headers[k] = k in headers ? headers[k] + ', ' + head.rawHeaders[i + 1] : head.rawHeaders[i + 1]
  }
  const body = Buffer.concat(chunks)
  return {
    statusCode: head.statusCode,
    statusMessage: head.statusMessage,
    headers,
    rawHeaders: head.rawHeaders,
    body,
    text: () => body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  }
}
