/**
 * Encodes Server-Sent Events as the bytes of a `text/event-stream` (WHATWG HTML §9.2.5 "Parsing
 * an event stream", the grammar a server must produce). Every function returns a `Buffer` made
 * once, so a broadcast writes the very same bytes to every connection.
 * @module
 */
import { PorticoError } from '../errors.js'

/**
 * One event to encode. `data` that is not a string is sent as JSON.
 *
 * @example
 * ```ts
 * const ev: SseEvent = { event: 'tick', id: '42', retry: 5000, data: { n: 42 } }
 * ```
 */
export interface SseEvent {
  /** The event type (`event:` field); omitted or `''` means the default type, `message`. */
  event?: string
  /** The payload; line breaks (CRLF, CR, LF) become one `data:` line each. */
  data?: unknown
  /** The event id (`id:` field). `''` sends an empty `id:` line, which resets the client's last event id. */
  id?: string
  /** The reconnection time in milliseconds (`retry:` field). */
  retry?: number
}

const LINE_BREAK = /\r\n|\r|\n/
const HAS_LINE_BREAK = /[\r\n]/
const HAS_LINE_BREAK_OR_NUL = /[\r\n\0]/

/**
 * Throws `PORTICO_ERR_SSE_INVALID_FIELD` when an event type contains CR or LF, which would let
 * a value start a new field (the event-stream grammar has no escaping).
 *
 * @example
 * ```ts
 * validateEventType('update')   // ok
 * validateEventType('a\nb')     // throws PorticoError PORTICO_ERR_SSE_INVALID_FIELD
 * ```
 */
export function validateEventType(event: string): void {
  if (HAS_LINE_BREAK.test(event)) {
    throw new PorticoError('PORTICO_ERR_SSE_INVALID_FIELD', 'An SSE event type must not contain CR or LF')
  }
}

/**
 * Throws `PORTICO_ERR_SSE_INVALID_FIELD` when an id contains CR, LF or NUL (a client ignores an
 * id with NUL, WHATWG HTML §9.2.6, so sending one is a bug).
 *
 * @example
 * ```ts
 * validateEventId('42')      // ok
 * validateEventId('4\u00002') // throws PorticoError PORTICO_ERR_SSE_INVALID_FIELD
 * ```
 */
export function validateEventId(id: string): void {
  if (HAS_LINE_BREAK_OR_NUL.test(id)) {
    throw new PorticoError('PORTICO_ERR_SSE_INVALID_FIELD', 'An SSE event id must not contain CR, LF or NUL')
  }
}

/**
 * Throws `PORTICO_ERR_SSE_INVALID_RETRY` unless `ms` is a non-negative safe integer (the
 * client only accepts ASCII digits in `retry:`).
 *
 * @example
 * ```ts
 * validateRetry(3000) // ok
 * validateRetry(-1)   // throws
 * ```
 */
export function validateRetry(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new PorticoError('PORTICO_ERR_SSE_INVALID_RETRY', `An SSE retry must be a non-negative integer, got ${String(ms)}`)
  }
}

/** The text of a payload: strings as they are, anything else as JSON (`undefined` → empty). */
function dataText(data: unknown): string {
  if (typeof data === 'string') return data
  if (data === undefined) return ''
  return JSON.stringify(data) ?? ''
}

/** `data:` lines for a payload, one per line of it; an empty payload is one empty `data:` line. */
function dataLines(text: string): string {
  if (!HAS_LINE_BREAK.test(text)) return 'data: ' + text + '\n'
  let out = ''
  for (const line of text.split(LINE_BREAK)) out += 'data: ' + line + '\n'
  return out
}

/**
 * Encodes one event as a string (fields in the order `event`, `id`, `retry`, `data`, then the
 * blank line that dispatches it). Validates the event type, id and retry.
 *
 * @example
 * ```ts
 * encodeEventText({ event: 'tick', id: '7', data: 'a\nb' })
 * // 'event: tick\nid: 7\ndata: a\ndata: b\n\n'
 * ```
 */
export function encodeEventText(ev: SseEvent): string {
  let out = ''
  if (ev.event !== undefined && ev.event !== '') {
    validateEventType(ev.event)
    out += 'event: ' + ev.event + '\n'
  }
  if (ev.id !== undefined) {
    validateEventId(ev.id)
    out += ev.id === '' ? 'id\n' : 'id: ' + ev.id + '\n'
  }
  if (ev.retry !== undefined) {
    validateRetry(ev.retry)
    out += 'retry: ' + ev.retry + '\n'
  }
  return out + dataLines(dataText(ev.data)) + '\n'
}

/**
 * Encodes one event as UTF-8 bytes, ready to write (once per broadcast, not once per client).
 *
 * @example
 * ```ts
 * const bytes = encodeEvent({ event: 'price', data: { eur: 1.08 } })
 * for (const conn of conns) conn.writeEncoded(bytes)
 * ```
 */
export function encodeEvent(ev: SseEvent): Buffer {
  return Buffer.from(encodeEventText(ev), 'utf8')
}

/**
 * Encodes a comment (ignored by clients; used as a keep-alive). Each line of `text` becomes
 * one `:` line.
 *
 * @example
 * ```ts
 * encodeComment('ping') // <Buffer 3a 20 70 69 6e 67 0a>  (': ping\n')
 * encodeComment('')     // ':\n'
 * ```
 */
export function encodeComment(text = ''): Buffer {
  if (text === '') return Buffer.from(':\n', 'latin1')
  let out = ''
  for (const line of text.split(LINE_BREAK)) out += ': ' + line + '\n'
  return Buffer.from(out, 'utf8')
}

/**
 * Encodes a lone `retry:` field (sets the client's reconnection time, dispatches nothing).
 *
 * @example
 * ```ts
 * encodeRetry(5000).toString() // 'retry: 5000\n'
 * ```
 */
export function encodeRetry(ms: number): Buffer {
  validateRetry(ms)
  return Buffer.from('retry: ' + ms + '\n', 'latin1')
}
