/**
 * Test helpers: feed bytes to a parser whole, split in two at every offset, and one byte at
 * a time, recording what it reports (the model: ws's receiver tests).
 */
import { HttpParseError, type ErrorCode } from '../../src/errors.js'
import {
  RequestParser,
  ResponseParser,
  type ChunkExtension,
  type ParserLimits,
  type RequestHead,
  type ResponseHead,
} from '../../src/http1/index.js'

export interface Message<H> {
  head: H
  body: string
  chunks: [number, ChunkExtension[]][]
  trailers: string[]
  complete: boolean
}

export interface Outcome<H> {
  messages: Message<H>[]
  error: { code: ErrorCode; offset: number; status: number | undefined } | null
  /** Absolute offset where the other protocol's bytes start, when the parser stopped. */
  upgradedAt: number | null
}

interface Options {
  /** Split only at every `step`-th offset (for large inputs). */
  step?: number
  limits?: Partial<ParserLimits>
  skipBody?: boolean
  finish?: boolean
}

function feed<H extends RequestHead | ResponseHead>(kind: 'request' | 'response', bytes: Buffer, cuts: number[], opts: Options): Outcome<H> {
  const messages: Message<H>[] = []
  const cb = {
    onHead(head: H): boolean {
      messages.push({ head, body: '', chunks: [], trailers: [], complete: false })
      return opts.skipBody === true
    },
    onBody(chunk: Buffer): void {
      messages[messages.length - 1].body += chunk.toString('latin1')
    },
    onChunkHeader(size: number, ext: ChunkExtension[]): void {
      messages[messages.length - 1].chunks.push([size, ext])
    },
    onTrailers(t: string[]): void {
      messages[messages.length - 1].trailers = t
    },
    onComplete(): void {
      messages[messages.length - 1].complete = true
    },
  }
  const parser =
    kind === 'request'
      ? new RequestParser(cb as unknown as ConstructorParameters<typeof RequestParser>[0], opts.limits)
      : new ResponseParser(cb as unknown as ConstructorParameters<typeof ResponseParser>[0], opts.limits)
  const out: Outcome<H> = { messages, error: null, upgradedAt: null }
  let fed = 0
  let last = 0
  try {
    for (const cut of [...cuts, bytes.length]) {
      const piece = bytes.subarray(last, cut)
      last = cut
      const used = parser.execute(piece)
      if (parser.upgraded) {
        out.upgradedAt = fed + used
        return out
      }
      fed += piece.length
    }
    if (opts.finish === true) parser.finish()
  } catch (err) {
    if (!(err instanceof HttpParseError)) throw err
    out.error = { code: err.code, offset: fed + err.offset, status: err.status }
  }
  return out
}

/** Every way the tests cut an input: whole, two pieces at each offset, one byte at a time. */
export function cuttings(length: number, step = 1): { label: string; cuts: number[] }[] {
  const out = [{ label: 'whole', cuts: [] as number[] }]
  for (let k = 1; k < length; k += step) out.push({ label: `split at ${k}`, cuts: [k] })
  if (step === 1) out.push({ label: 'byte by byte', cuts: Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1) })
  return out
}

/** Parses `input` as requests every way it can be cut; checks all ways agree; returns one. */
export function parseRequests(input: string | Buffer, opts: Options = {}): Outcome<RequestHead> {
  return everyWay<RequestHead>('request', input, opts)
}

/** Parses `input` as responses every way it can be cut; checks all ways agree; returns one. */
export function parseResponses(input: string | Buffer, opts: Options = {}): Outcome<ResponseHead> {
  return everyWay<ResponseHead>('response', input, opts)
}

function everyWay<H extends RequestHead | ResponseHead>(kind: 'request' | 'response', input: string | Buffer, opts: Options): Outcome<H> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input
  let first: Outcome<H> | undefined
  let firstJson = ''
  for (const { label, cuts } of cuttings(bytes.length, opts.step)) {
    const o = feed<H>(kind, bytes, cuts, opts)
    const json = JSON.stringify(o)
    if (first === undefined) {
      first = o
      firstJson = json
    } else if (json !== firstJson) {
      throw new Error(`parsing ${label} differs from parsing whole:\n${json}\nvs\n${firstJson}`)
    }
  }
  return first!
}
