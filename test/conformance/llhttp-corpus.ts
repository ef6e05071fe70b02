/**
 * Runs the llhttp conformance corpus (../shared/conformance/llhttp/) through Portico's parsers
 * and compares every outcome and field with llhttp's expectations. Used by `run.ts`
 * (`npm run conformance`) and by `conformance.test.ts`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HttpParseError, type ErrorCode } from '../../src/errors.js'
import { RequestParser, ResponseParser, type ChunkExtension, type RequestHead, type ResponseHead } from '../../src/http1/index.js'
import { DEVIATIONS } from './deviations.js'

interface ExpectedError {
  code: string
  offset: number
}
interface ExpectedMessage {
  complete: boolean
  headers_complete: boolean
  method?: string
  url?: string
  status?: number
  reason?: string
  version?: string
  headers: [string, string][]
  body_base64: string
  content_length?: number | null
  chunked?: boolean
  chunks?: { size: number; extensions: [string, string | null][] }[]
  trailers?: [string, string][]
  upgrade?: boolean
  keep_alive?: boolean
}
/** One case of the corpus, as stored in the JSON files. */
export interface CorpusCase {
  file: string
  line: number
  name: string
  type: 'request' | 'response'
  no_scan: boolean
  skip_body: boolean
  finish: boolean
  raw_base64: string
  expect: {
    error: ExpectedError | null
    paused: ExpectedError | null
    eof?: { finish: number }
    messages: ExpectedMessage[]
  }
}

/** Which Portico codes stand for each llhttp error. */
const CODE_MAP: Record<string, ErrorCode[]> = {
  HPE_INVALID_METHOD: ['PORTICO_ERR_INVALID_METHOD'],
  HPE_INVALID_URL: ['PORTICO_ERR_INVALID_URL'],
  HPE_INVALID_CONSTANT: ['PORTICO_ERR_INVALID_CONSTANT', 'PORTICO_ERR_VERSION_NOT_SUPPORTED', 'PORTICO_ERR_INVALID_METHOD'],
  HPE_INVALID_VERSION: ['PORTICO_ERR_INVALID_VERSION', 'PORTICO_ERR_VERSION_NOT_SUPPORTED', 'PORTICO_ERR_LF_EXPECTED'],
  HPE_STRICT: ['PORTICO_ERR_BARE_CR', 'PORTICO_ERR_INVALID_CHUNK_EXTENSION', 'PORTICO_ERR_INVALID_CHUNK_TERMINATOR'],
  HPE_CR_EXPECTED: ['PORTICO_ERR_LF_EXPECTED'],
  HPE_LF_EXPECTED: ['PORTICO_ERR_BARE_CR'],
  HPE_INVALID_HEADER_TOKEN: [
    'PORTICO_ERR_INVALID_HEADER_TOKEN',
    'PORTICO_ERR_INVALID_HEADER_VALUE',
    'PORTICO_ERR_WHITESPACE_BEFORE_COLON',
    'PORTICO_ERR_OBS_FOLD',
  ],
  HPE_UNEXPECTED_SPACE: ['PORTICO_ERR_OBS_FOLD'],
  HPE_INVALID_CONTENT_LENGTH: ['PORTICO_ERR_INVALID_CONTENT_LENGTH', 'PORTICO_ERR_CONTENT_LENGTH_AND_TRANSFER_ENCODING'],
  HPE_UNEXPECTED_CONTENT_LENGTH: ['PORTICO_ERR_INVALID_CONTENT_LENGTH'],
  HPE_INVALID_TRANSFER_ENCODING: [
    'PORTICO_ERR_INVALID_TRANSFER_ENCODING',
    'PORTICO_ERR_UNSUPPORTED_TRANSFER_CODING',
    'PORTICO_ERR_CONTENT_LENGTH_AND_TRANSFER_ENCODING',
  ],
  HPE_INVALID_CHUNK_SIZE: ['PORTICO_ERR_INVALID_CHUNK_SIZE', 'PORTICO_ERR_CHUNK_SIZE_OVERFLOW'],
  HPE_CLOSED_CONNECTION: ['PORTICO_ERR_DATA_AFTER_CLOSE'],
  HPE_INVALID_STATUS: ['PORTICO_ERR_INVALID_STATUS'],
}

/** Where the corpus lives (override with PORTICO_LLHTTP_CORPUS). */
export function corpusDir(): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url))
  return process.env.PORTICO_LLHTTP_CORPUS ?? join(root, '..', 'shared', 'conformance', 'llhttp')
}

/** Loads both files of the corpus, or `null` when it is not on this machine. */
export function loadCorpus(): CorpusCase[] | null {
  const dir = corpusDir()
  const files = ['llhttp-requests.json', 'llhttp-responses.json'].map((f) => join(dir, f))
  if (!files.every((f) => existsSync(f))) return null
  return files.flatMap((f) => JSON.parse(readFileSync(f, 'utf8')) as CorpusCase[])
}

/** The `file:line` key of a case (file relative to llhttp's `test/`). */
export function caseKey(c: CorpusCase): string {
  return `${c.file.replace(/^test\//, '')}:${c.line}`
}

interface Seen {
  head: RequestHead | ResponseHead
  body: Buffer[]
  chunks: { size: number; extensions: ChunkExtension[] }[]
  trailers: string[]
  complete: boolean
}
interface Outcome {
  messages: Seen[]
  error: { code: ErrorCode; offset: number } | null
  paused: { offset: number; h2: boolean } | null
  eof: number | null
  other: string | null
}

/** Feeds `raw` cut into `pieces` (lengths) and records everything the parser reports. */
function run(c: CorpusCase, raw: Buffer, cuts: number[]): Outcome {
  const messages: Seen[] = []
  const cb = {
    onHead(head: RequestHead | ResponseHead): boolean {
      messages.push({ head, body: [], chunks: [], trailers: [], complete: false })
      return c.skip_body
    },
    onBody(chunk: Buffer): void {
      messages[messages.length - 1].body.push(Buffer.from(chunk))
    },
    onChunkHeader(size: number, extensions: ChunkExtension[]): void {
      messages[messages.length - 1].chunks.push({ size, extensions: extensions.map((e) => [e[0], e[1]] as ChunkExtension) })
    },
    onTrailers(trailers: string[]): void {
      messages[messages.length - 1].trailers = trailers
    },
    onComplete(): void {
      messages[messages.length - 1].complete = true
    },
  }
  const parser = c.type === 'request' ? new RequestParser(cb) : new ResponseParser(cb)
  const out: Outcome = { messages, error: null, paused: null, eof: null, other: null }
  let fed = 0
  let last = 0
  try {
    for (const cut of [...cuts, raw.length]) {
      const piece = raw.subarray(last, cut)
      last = cut
      const used = parser.execute(piece)
      if (parser.upgraded) {
        out.paused = { offset: fed + used, h2: parser.h2Preface }
        break
      }
      fed += piece.length
    }
  } catch (err) {
    if (err instanceof HttpParseError) out.error = { code: err.code, offset: fed + err.offset }
    else out.other = String(err)
  }
  if (c.finish && out.error === null && out.other === null) {
    const before = messages.map((m) => m.complete)
    try {
      parser.finish()
      out.eof = messages.filter((m) => m.complete).length > before.filter(Boolean).length ? 1 : 0
    } catch {
      out.eof = 2
    }
    before.forEach((done, i) => (messages[i].complete = done))
  }
  return out
}

const trimEnd = (s: string): string => s.replace(/[ \t]+$/, '')

/** Every difference between an outcome and the case's expectation (empty: they agree). */
function compare(c: CorpusCase, o: Outcome, raw: Buffer): string[] {
  const problems: string[] = []
  const e = c.expect
  if (o.other !== null) problems.push(`threw ${o.other}`)
  if (e.error !== null) {
    if (o.error === null) problems.push(`expected ${e.error.code}@${e.error.offset}, got no error`)
    else {
      const allowed = CODE_MAP[e.error.code] ?? []
      if (!allowed.includes(o.error.code)) problems.push(`expected ${e.error.code}, got ${o.error.code}`)
      if (o.error.offset !== e.error.offset) problems.push(`error offset ${o.error.offset}, expected ${e.error.offset}`)
    }
  } else if (o.error !== null) problems.push(`unexpected ${o.error.code}@${o.error.offset}`)
  if (e.paused !== null) {
    if (o.paused === null) problems.push(`expected ${e.paused.code}@${e.paused.offset}, not stopped`)
    else {
      if (o.paused.offset !== e.paused.offset) problems.push(`stopped at ${o.paused.offset}, expected ${e.paused.offset}`)
      if (o.paused.h2 !== (e.paused.code === 'HPE_PAUSED_H2_UPGRADE')) problems.push('wrong kind of protocol switch')
    }
  } else if (o.paused !== null) problems.push(`unexpected protocol switch at ${o.paused.offset}`)
  if (c.finish && e.eof !== undefined && o.eof !== null && o.eof !== e.eof.finish) {
    problems.push(`finish() gave ${o.eof}, expected ${e.eof.finish}`)
  }
  const want = e.messages.filter((m) => m.headers_complete)
  if (want.length !== o.messages.length) problems.push(`${o.messages.length} heads, expected ${want.length}`)
  for (let i = 0; i < Math.min(want.length, o.messages.length); i++) {
    const w = want[i]
    const g = o.messages[i]
    const h = g.head
    const diff = (field: string, got: unknown, exp: unknown): void => {
      if (JSON.stringify(got) !== JSON.stringify(exp)) problems.push(`msg ${i} ${field}: got ${JSON.stringify(got)}, expected ${JSON.stringify(exp)}`)
    }
    if ('method' in h) {
      diff('method', h.method, w.method)
      diff('url', h.url, w.url)
    } else {
      diff('status', h.statusCode, w.status)
      diff('reason', h.statusMessage, w.reason)
    }
    diff('version', h.httpVersion, w.version)
    const headers: [string, string][] = []
    for (let j = 0; j < h.rawHeaders.length; j += 2) headers.push([h.rawHeaders[j], h.rawHeaders[j + 1]])
    diff('headers', headers, w.headers.map(([n, v]) => [n, trimEnd(v)]))
    diff('body', Buffer.concat(g.body).toString('latin1'), Buffer.from(w.body_base64, 'base64').toString('latin1'))
    diff('complete', g.complete, w.complete)
    diff('keep_alive', h.keepAlive, w.keep_alive)
    diff('upgrade', h.upgrade, w.upgrade)
    diff('content_length', h.contentLength, w.content_length ?? -1)
    diff('chunked', h.chunked, w.chunked)
    if (w.chunks !== undefined) diff('chunks', g.chunks, w.chunks)
    const trailers: [string, string][] = []
    for (let j = 0; j < g.trailers.length; j += 2) trailers.push([g.trailers[j], g.trailers[j + 1]])
    diff('trailers', trailers, (w.trailers ?? []).map(([n, v]) => [n, trimEnd(v)]))
  }
  void raw
  return problems
}

/** The verdict on one case. */
export interface CaseResult {
  key: string
  name: string
  verdict: 'agree' | 'deviation' | 'failed'
  problems: string[]
}

/**
 * Runs one case whole, split in two at every offset (unless `no_scan`) and one byte at a
 * time, and compares each run with llhttp's expectation (or with the listed deviation).
 */
export function checkCase(c: CorpusCase): CaseResult {
  const raw = Buffer.from(c.raw_base64, 'base64')
  const key = caseKey(c)
  const runs: { label: string; cuts: number[] }[] = [{ label: 'whole', cuts: [] }]
  if (!c.no_scan) {
    for (let k = 1; k < raw.length; k++) runs.push({ label: `split@${k}`, cuts: [k] })
    runs.push({ label: 'bytewise', cuts: Array.from({ length: Math.max(0, raw.length - 1) }, (_, i) => i + 1) })
  }
  const deviation = DEVIATIONS[key]
  const problems: string[] = []
  let deviates = false
  for (const r of runs) {
    const o = run(c, raw, r.cuts)
    const p = compare(c, o, raw)
    if (p.length === 0) continue
    if (deviation !== undefined && o.error !== null && o.error.code === deviation.code && (deviation.offset === undefined || deviation.offset === o.error.offset)) {
      deviates = true
      continue
    }
    problems.push(`${r.label}: ${p.join('; ')}`)
    if (problems.length >= 3) break
  }
  const verdict = problems.length > 0 ? 'failed' : deviates ? 'deviation' : 'agree'
  return { key, name: c.name, verdict, problems }
}
