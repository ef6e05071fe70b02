/**
 * Byte ranges, RFC 9110 §14: parsing the `Range` header against a representation's size and
 * framing several ranges as `multipart/byteranges` (§14.6).
 * @module
 */

/** One satisfiable byte range, both ends inclusive (as in `Content-Range`). */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

/**
 * The outcome of {@link parseRange}:
 * - `none`: no usable Range (absent, another unit, or an invalid range-set, which §14.2 lets a
 *   server ignore): send the whole representation (200);
 * - `ranges`: send these (206);
 * - `unsatisfiable`: answer 416 with `Content-Range: bytes *\/size`.
 */
export type RangeResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'ranges'; readonly ranges: readonly ByteRange[] }
  | { readonly kind: 'unsatisfiable' }

/** Limits that keep a hostile Range header cheap. */
export interface RangeOptions {
  /** More range-specs than this and the header is ignored (200). Default 32. */
  readonly maxRanges?: number
}

const NONE: RangeResult = { kind: 'none' }
const UNSATISFIABLE: RangeResult = { kind: 'unsatisfiable' }
const DIGITS = /^[0-9]+$/

/**
 * Parses a `Range` header value for a representation of `size` bytes.
 *
 * RFC 9110 §14.1.1: `ranges-specifier = range-unit "=" range-set`,
 * `range-set = 1#range-spec`, `int-range = first-pos "-" [ last-pos ]`,
 * `suffix-range = "-" suffix-length`. An int-range is satisfiable when `first-pos < size`, a
 * suffix-range when its length is non-zero (§14.1.3); `last-pos` is clamped to `size - 1`.
 * Overlapping ranges are merged (§14.2 lets a server coalesce them), which also defeats the
 * "many overlapping ranges" amplification.
 *
 * @example
 * ```ts
 * parseRange('bytes=0-99', 1000)       // { kind: 'ranges', ranges: [{ start: 0, end: 99 }] }
 * parseRange('bytes=-100', 1000)       // last 100 bytes: [{ start: 900, end: 999 }]
 * parseRange('bytes=5000-', 1000)      // { kind: 'unsatisfiable' }
 * parseRange('items=0-1', 1000)        // { kind: 'none' }
 * ```
 */
export function parseRange(header: string | undefined, size: number, options: RangeOptions = {}): RangeResult {
  if (header === undefined) return NONE
  const eq = header.indexOf('=')
  if (eq <= 0) return NONE
  if (header.slice(0, eq).trim().toLowerCase() !== 'bytes') return NONE
  const specs = header.slice(eq + 1).split(',')
  const maxRanges = options.maxRanges ?? 32
  const ranges: ByteRange[] = []
  let count = 0
  let emptySuffix = false
  for (const rawSpec of specs) {
    const spec = rawSpec.trim()
    if (spec === '') continue // #rule: empty list elements are allowed and ignored (RFC 9110 §5.6.1)
    if (++count > maxRanges) return NONE
    const dash = spec.indexOf('-')
    if (dash < 0) return NONE
    const first = spec.slice(0, dash)
    const last = spec.slice(dash + 1)
    if (first === '') {
      if (!DIGITS.test(last)) return NONE
      const length = Number(last)
      if (length === 0) continue
      if (size === 0) {
        emptySuffix = true // the whole (empty) representation was asked for; §14.1.3
        continue
      }
      ranges.push({ start: Math.max(0, size - length), end: size - 1 })
      continue
    }
    if (!DIGITS.test(first) || (last !== '' && !DIGITS.test(last))) return NONE
    const start = Number(first)
    const end = last === '' ? Infinity : Number(last)
    if (end < start) return NONE // invalid range-spec: the whole range-set is invalid
    if (start >= size) continue
    ranges.push({ start, end: Math.min(end, size - 1) })
  }
  if (count === 0) return NONE
  if (ranges.length === 0) return emptySuffix ? NONE : UNSATISFIABLE
  return { kind: 'ranges', ranges: coalesce(ranges) }
}

/** Merges overlapping ranges; keeps the client's order when none overlap. */
function coalesce(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length < 2) return ranges
  const sorted = [...ranges].sort((a, b) => a.start - b.start)
  let overlaps = false
  for (let i = 1; i < sorted.length; i++) if (sorted[i].start <= sorted[i - 1].end) overlaps = true
  if (!overlaps) return ranges
  const out: ByteRange[] = [{ ...sorted[0] }]
  for (let i = 1; i < sorted.length; i++) {
    const prev = out[out.length - 1]
    const cur = sorted[i]
    if (cur.start <= prev.end) out[out.length - 1] = { start: prev.start, end: Math.max(prev.end, cur.end) }
    else out.push(cur)
  }
  return out
}

/**
 * The `Content-Range` value of one range (RFC 9110 §14.4): `bytes first-last/complete-length`.
 *
 * @example
 * ```ts
 * contentRange({ start: 0, end: 99 }, 1000) // 'bytes 0-99/1000'
 * ```
 */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`
}

/** One part of a `multipart/byteranges` body: its head (delimiter and headers) and range. */
export interface BytePart {
  readonly head: string
  readonly range: ByteRange
}

/** The framing of a `multipart/byteranges` body (RFC 9110 §14.6, RFC 2046 §5.1.1). */
export interface MultipartPlan {
  /** The response's `Content-Type`. */
  readonly contentType: string
  readonly parts: readonly BytePart[]
  /** The close-delimiter written after the last part. */
  readonly trailer: string
  /** The whole body length, for `Content-Length`. */
  readonly length: number
}

/**
 * Plans a `multipart/byteranges` body: each part is `head` then the range's bytes; the body
 * ends with `trailer`. All strings are ASCII, so their lengths are byte counts.
 *
 * @example
 * ```ts
 * const plan = planMultipart([{ start: 0, end: 0 }, { start: 5, end: 9 }], 100, 'text/plain', 'b0undary')
 * res.setHeader('Content-Type', plan.contentType)
 * res.setHeader('Content-Length', String(plan.length))
 * ```
 */
export function planMultipart(ranges: readonly ByteRange[], size: number, partType: string, boundary: string): MultipartPlan {
  const parts: BytePart[] = []
  let length = 0
  ranges.forEach((range, i) => {
    const head = `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: ${contentRange(range, size)}\r\n\r\n`
    parts.push({ head, range })
    length += head.length + (range.end - range.start + 1)
  })
  const trailer = `\r\n--${boundary}--\r\n`
  length += trailer.length
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, trailer, length }
}
