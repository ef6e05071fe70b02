/**
 * Request bodies and header lists for {@link request}: what the caller gives (string, bytes,
 * JSON, form, stream) turned into bytes or an async iterable, plus the framing headers.
 * @module
 */
import type { Readable } from 'node:stream'
import { validateHeaderName, validateHeaderValue } from '../http1/head-writer.js'

/**
 * A request body {@link request} accepts.
 *
 * @example
 * ```ts
 * await request(url, { method: 'PUT', body: createReadStream('big.bin'), headers: { 'content-length': String(size) } })
 * ```
 */
export type RequestBodyInit =
  | string
  | Uint8Array
  | ArrayBuffer
  | URLSearchParams
  | AsyncIterable<Uint8Array | string>
  | Readable
  | null
  | undefined

/**
 * Request headers: a record (an array value repeats the field), or `[name, value]` pairs.
 *
 * @example
 * ```ts
 * const headers: HeadersInput = { accept: 'application/json', 'x-tag': ['a', 'b'] }
 * ```
 */
export type HeadersInput =
  | Readonly<Record<string, string | number | readonly string[] | undefined>>
  | Iterable<readonly [string, string]>

/** A body ready to send: bytes (replayable) or a stream (sent once). */
export type PreparedBody =
  | { kind: 'none' }
  | { kind: 'bytes'; data: Uint8Array | string; length: number }
  | { kind: 'stream'; source: AsyncIterable<Uint8Array | string> }

/**
 * Normalizes a body (and `json`) into a {@link PreparedBody}, returning the content type it
 * implies (when the caller set none).
 *
 * @example
 * ```ts
 * prepareBody(undefined, { a: 1 }) // { body: { kind: 'bytes', … }, contentType: 'application/json' }
 * ```
 */
export function prepareBody(body: RequestBodyInit, json: unknown): { body: PreparedBody; contentType?: string } {
  if (json !== undefined) {
    const text = JSON.stringify(json)
    return { body: { kind: 'bytes', data: text, length: Buffer.byteLength(text) }, contentType: 'application/json' }
  }
  if (body === null || body === undefined) return { body: { kind: 'none' } }
  if (typeof body === 'string') return { body: { kind: 'bytes', data: body, length: Buffer.byteLength(body) } }
  if (body instanceof Uint8Array) return { body: { kind: 'bytes', data: body, length: body.length } }
  if (body instanceof ArrayBuffer) {
    const data = new Uint8Array(body)
    return { body: { kind: 'bytes', data, length: data.length } }
  }
  if (body instanceof URLSearchParams) {
    const text = body.toString()
    return {
      body: { kind: 'bytes', data: text, length: Buffer.byteLength(text) },
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
    }
  }
  return { body: { kind: 'stream', source: body as AsyncIterable<Uint8Array | string> } }
}

/**
 * Flattens {@link HeadersInput} into `[name, value, …]`, validating every name and value
 * (`PORTICO_ERR_INVALID_HEADER_INPUT` on CR/LF injection and other invalid bytes).
 *
 * @example
 * ```ts
 * flattenHeaders({ accept: 'text/html', 'x-tag': ['a', 'b'] }) // ['accept', 'text/html', 'x-tag', 'a', 'x-tag', 'b']
 * ```
 */
export function flattenHeaders(headers: HeadersInput | undefined): string[] {
  const out: string[] = []
  if (headers === undefined) return out
  const add = (name: string, value: string): void => {
    validateHeaderName(name)
    validateHeaderValue(name, value)
    out.push(name, value)
  }
  if (Symbol.iterator in headers && typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<readonly [string, string]>) add(name, String(value))
    return out
  }
  const record = headers as Readonly<Record<string, string | number | readonly string[] | undefined>>
  for (const name of Object.keys(record)) {
    const value = record[name]
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value as readonly string[]) add(name, String(v))
    else add(name, String(value))
  }
  return out
}

/**
 * Whether a flat header list holds `name` (case-insensitive).
 *
 * @example
 * ```ts
 * hasHeader(['Content-Type', 'x'], 'content-type') // true
 * ```
 */
export function hasHeader(headers: readonly string[], name: string): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i].length === name.length && headers[i].toLowerCase() === name) return true
  }
  return false
}

/**
 * Removes every field named `name` (lower-case) from a flat list, in place.
 *
 * @example
 * ```ts
 * removeHeader(list, 'authorization')
 * ```
 */
export function removeHeader(headers: string[], name: string): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (headers[i].toLowerCase() === name) headers.splice(i, 2)
  }
}
