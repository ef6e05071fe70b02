/**
 * Decides the answer to a GET or HEAD of a file from its stat and the request's header fields:
 * validators, preconditions (RFC 9110 §13.2.2), then ranges (§14). Pure: the caller does the I/O.
 * @module
 */
import { evaluateConditionals, ifRangeHolds, makeEtag, type ConditionalHeaders } from './conditional.js'
import { contentRange, parseRange, planMultipart, type ByteRange, type MultipartPlan } from './range.js'

/** What the plan needs to know of the file. */
export interface FileFacts {
  readonly size: number
  readonly mtimeMs: number
}

/** How validators and caching headers are produced. */
export interface FilePlanOptions {
  /** `'strong'` (default), `'weak'`, or `false` for no `ETag`. */
  readonly etag?: 'strong' | 'weak' | false
  /** Send `Last-Modified` (default true). */
  readonly lastModified?: boolean
  /** The `Cache-Control` value, if any. */
  readonly cacheControl?: string | undefined
  /** Honour `Range` and send `Accept-Ranges: bytes` (default true). */
  readonly acceptRanges?: boolean
  /** Distinguishes the validators of a precompressed variant (`'br'`, `'gz'`). */
  readonly variant?: string | undefined
  /** Ranges beyond this count are ignored (default 32). */
  readonly maxRanges?: number
}

/** The request fields the plan reads (lower-case names). */
export interface FileRequestHeaders extends ConditionalHeaders {
  readonly range?: string | undefined
  readonly 'if-range'?: string | undefined
}

/** The answer to send: status, header fields, and which bytes of the file form the body. */
export type FilePlan =
  | { readonly status: 200 | 206; readonly headers: [string, string][]; readonly body: ByteRange | null }
  | { readonly status: 206; readonly headers: [string, string][]; readonly multipart: MultipartPlan }
  | { readonly status: 304 | 412 | 416; readonly headers: [string, string][]; readonly body: null }

/**
 * Plans the answer. `contentType` is the file's type; `boundary` is called only when several
 * ranges are sent. Headers returned: `ETag`, `Last-Modified`, `Cache-Control`,
 * `Accept-Ranges`, `Content-Type`, `Content-Length`, `Content-Range` as they apply (a 304
 * keeps the validators and `Cache-Control`, §15.4.5).
 *
 * @example
 * ```ts
 * const plan = planFile('GET', { range: 'bytes=0-9' }, { size: 100, mtimeMs: Date.now() }, 'text/plain')
 * // plan.status === 206, plan.body = { start: 0, end: 9 }
 * ```
 */
export function planFile(
  method: string,
  request: FileRequestHeaders,
  file: FileFacts,
  contentType: string,
  options: FilePlanOptions = {},
  boundary: () => string = randomBoundary,
): FilePlan {
  const etagMode = options.etag ?? 'strong'
  const etag = etagMode === false ? undefined : makeEtag(file, etagMode === 'weak', options.variant)
  const lastModified = options.lastModified === false ? undefined : file.mtimeMs
  const validators: [string, string][] = []
  if (etag !== undefined) validators.push(['ETag', etag])
  if (lastModified !== undefined) validators.push(['Last-Modified', new Date(lastModified).toUTCString()])
  if (options.cacheControl !== undefined) validators.push(['Cache-Control', options.cacheControl])

  const outcome = evaluateConditionals(method, request, { etag, lastModified })
  if (outcome === 304) return { status: 304, headers: validators, body: null }
  if (outcome === 412) return { status: 412, headers: [], body: null }

  const acceptRanges = options.acceptRanges !== false
  const headers: [string, string][] = validators
  if (acceptRanges) headers.push(['Accept-Ranges', 'bytes'])
  const size = file.size

  if (acceptRanges && request.range !== undefined && method === 'GET' && ifRangeHolds(request['if-range'], { etag, lastModified })) {
    const parsed = parseRange(request.range, size, options.maxRanges === undefined ? {} : { maxRanges: options.maxRanges })
    if (parsed.kind === 'unsatisfiable') {
      return { status: 416, headers: [...headers, ['Content-Range', `bytes */${size}`]], body: null }
    }
    if (parsed.kind === 'ranges' && parsed.ranges.length === 1) {
      const range = parsed.ranges[0]
      headers.push(['Content-Type', contentType], ['Content-Length', String(range.end - range.start + 1)], ['Content-Range', contentRange(range, size)])
      return { status: 206, headers, body: range }
    }
    if (parsed.kind === 'ranges') {
      const multipart = planMultipart(parsed.ranges, size, contentType, boundary())
      headers.push(['Content-Type', multipart.contentType], ['Content-Length', String(multipart.length)])
      return { status: 206, headers, multipart }
    }
  }
  headers.push(['Content-Type', contentType], ['Content-Length', String(size)])
  return { status: 200, headers, body: size === 0 ? null : { start: 0, end: size - 1 } }
}

let counter = 0

/** A multipart boundary that cannot occur in the parts' headers (RFC 2046 §5.1.1: ≤ 70 chars). */
function randomBoundary(): string {
  counter = (counter + 1) % 0x100000
  return `portico-${Date.now().toString(36)}${counter.toString(36)}${Math.random().toString(36).slice(2, 10)}`
}
