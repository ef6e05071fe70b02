import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import '../fixtures/fuzz.js'
import { HttpParseError } from '../../src/errors.js'
import { RequestParser, ResponseParser, type RequestHead } from '../../src/http1/index.js'
import { parseRequests } from './feed.js'

/** Node's own llhttp binding, as `_http_common` drives it (null where it cannot be reached). */
interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void
  execute(data: Buffer): number | Error
  [key: number]: unknown
}
interface NativeBinding {
  HTTPParser: { new (): NativeParser; REQUEST: number; RESPONSE: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number }
  methods: string[]
}
function nativeBinding(): NativeBinding | null {
  const saved = process.noDeprecation
  process.noDeprecation = true
  try {
    return (process as unknown as { binding(name: string): NativeBinding }).binding('http_parser')
  } catch {
    return null
  } finally {
    process.noDeprecation = saved
  }
}
const native = nativeBinding()

interface Parsed {
  error: string | null
  heads: { method: string; url: string; headers: string[]; keepAlive: boolean; upgrade: boolean }[]
  body: string
  complete: number
}

function parseNative(bytes: Buffer, response = false): Parsed {
  const b = native!
  const out: Parsed = { error: null, heads: [], body: '', complete: 0 }
  const parser = new b.HTTPParser()
  parser.initialize(response ? b.HTTPParser.RESPONSE : b.HTTPParser.REQUEST, {}, 0, 0)
  parser[b.HTTPParser.kOnHeadersComplete] = (_maj: number, _min: number, headers: string[], method: number, url: string, status: number, reason: string, upgrade: boolean, keepAlive: boolean) => {
    out.heads.push(response ? { method: String(status), url: reason, headers, keepAlive, upgrade } : { method: b.methods[method], url, headers, keepAlive, upgrade })
    return 0
  }
  parser[b.HTTPParser.kOnBody] = (chunk: Buffer) => {
    out.body += chunk.toString('latin1')
  }
  parser[b.HTTPParser.kOnMessageComplete] = () => {
    out.complete++
  }
  const r = parser.execute(bytes)
  if (r instanceof Error) out.error = (r as Error & { code: string }).code
  else if (response) {
    const f = (parser as unknown as { finish(): number | Error }).finish()
    if (f instanceof Error) out.error = (f as Error & { code: string }).code
  }
  return out
}

function parsePorticoResponse(bytes: Buffer): Parsed {
  const out: Parsed = { error: null, heads: [], body: '', complete: 0 }
  const parser = new ResponseParser({
    onHead(h) {
      out.heads.push({ method: String(h.statusCode), url: h.statusMessage, headers: h.rawHeaders, keepAlive: h.keepAlive, upgrade: h.upgrade })
    },
    onBody(chunk) {
      out.body += chunk.toString('latin1')
    },
    onComplete() {
      out.complete++
    },
  })
  try {
    parser.execute(bytes)
    if (!parser.upgraded) parser.finish()
  } catch (err) {
    if (!(err instanceof HttpParseError)) throw err
    out.error = err.code
  }
  return out
}

const validResponse = fc
  .record({
    status: fc.constantFrom('200 OK', '204 No Content', '304 Not Modified', '101 Switching Protocols', '404 Not Found', '100 Continue', '200'),
    version: fc.constantFrom('1.1', '1.0'),
    fields: fc.array(
      fc.tuple(fc.constantFrom('Server', 'Connection', 'Upgrade', 'Set-Cookie', 'Content-Length', 'Transfer-Encoding'), fc.constantFrom('a', 'keep-alive', 'close', 'upgrade', 'chunked', '3', 'gzip')),
      { maxLength: 4 },
    ),
    body: fc.constantFrom('', 'abc', '3\r\nabc\r\n0\r\n\r\n'),
  })
  .map((r) => `HTTP/${r.version} ${r.status}\r\n` + r.fields.map(([n, v]) => `${n}: ${v}\r\n`).join('') + '\r\n' + r.body)

function parsePortico(bytes: Buffer): Parsed {
  const out: Parsed = { error: null, heads: [], body: '', complete: 0 }
  const parser = new RequestParser({
    onHead(h: RequestHead) {
      out.heads.push({ method: h.method, url: h.url, headers: h.rawHeaders, keepAlive: h.keepAlive, upgrade: h.upgrade })
    },
    onBody(chunk) {
      out.body += chunk.toString('latin1')
    },
    onComplete() {
      out.complete++
    },
  })
  try {
    parser.execute(bytes)
  } catch (err) {
    if (!(err instanceof HttpParseError)) throw err
    out.error = err.code
  }
  return out
}

const valid = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT'),
    path: fc.constantFrom('/', '/a/b?c=d', '/x%20y', '*', 'http://h.example:80/p?q#f', 'h.example:443'),
    version: fc.constantFrom('1.1', '1.0'),
    fields: fc.array(
      fc.tuple(
        fc.constantFrom('Host', 'Accept', 'X-Id', 'Connection', 'Cookie', 'Expect', 'Upgrade', 'Content-Length', 'Transfer-Encoding'),
        fc.constantFrom('a', 'keep-alive', 'close', 'x y', '1', 'upgrade', 'websocket', 'chunked', 'gzip, chunked', '0'),
      ),
      { maxLength: 5 },
    ),
    body: fc.constantFrom('', 'hello'),
    chunked: fc.boolean(),
  })
  .map((r) => {
    let head = `${r.method} ${r.path} HTTP/${r.version}\r\n` + r.fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')
    if (r.chunked) head += `Transfer-Encoding: chunked\r\n\r\n${r.body.length.toString(16)}\r\n${r.body}\r\n0\r\n\r\n`.replace('0\r\n\r\n0\r\n\r\n', '0\r\n\r\n')
    else head += `Content-Length: ${r.body.length}\r\n\r\n${r.body}`
    return head
  })

const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('insert', 'replace', 'delete'),
  byte: fc.constantFrom(0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x00, 0x61, 0x30, 0x2c, 0x3b, 0x22, 0x7f, 0x80, 0xff, 0x2d, 0x2f, 0x40, 0x3f, 0x23, 0x48, 0x2e, 0x31, 0x41),
})

function mutate(text: string, muts: { at: number; kind: string; byte: number }[]): Buffer {
  const bytes = [...Buffer.from(text, 'latin1')]
  for (const m of muts) {
    const at = m.at % (bytes.length + 1)
    if (m.kind === 'insert') bytes.splice(at, 0, m.byte)
    else if (m.kind === 'replace' && at < bytes.length) bytes[at] = m.byte
    else if (m.kind === 'delete' && at < bytes.length) bytes.splice(at, 1)
  }
  return Buffer.from(bytes)
}

describe('RequestParser against Node’s llhttp', () => {
  it('never accepts what llhttp refuses, and agrees on what both accept', { skip: native === null ? 'process.binding unavailable' : false }, () => {
    fc.assert(
      fc.property(valid, fc.array(mutation, { maxLength: 4 }), (source, muts) => {
        const bytes = mutate(source, muts)
        const ours = parsePortico(bytes)
        const theirs = parseNative(bytes)
        // Tabs around a Content-Length value (accepted since llhttp 9.4.0) and after a
        // Transfer-Encoding token (OWS per RFC 9110 §5.6.3): the llhttp 9.3.1 inside Node 20
        // refuses them (see the corpus README).
        const text = bytes.toString('latin1')
        const knownNewer =
          (theirs.error === 'HPE_INVALID_CONTENT_LENGTH' && /Content-Length:[^\r]*\t/.test(text)) ||
          (theirs.error === 'HPE_INVALID_TRANSFER_ENCODING' && /Transfer-Encoding:[^\r]*\t/.test(text))
        if (ours.error === null && theirs.error !== null && !knownNewer) {
          assert.fail(`Portico accepted what llhttp refuses (${theirs.error}): ${JSON.stringify(bytes.toString('latin1'))}`)
        }
        if (ours.error !== null || theirs.error !== null) return
        assert.equal(ours.heads.length, theirs.heads.length)
        ours.heads.forEach((h, i) => {
          const t = theirs.heads[i]
          assert.equal(h.method, t.method)
          assert.equal(h.url, t.url)
          assert.deepEqual(h.headers, t.headers)
          assert.equal(h.upgrade, t.upgrade)
          // Portico also closes after Transfer-Encoding in HTTP/1.0 (RFC 9112 §6.1), and after
          // `close<TAB>` (llhttp 9.4.2; Node 20 bundles 9.3.1).
          if (!/\t/.test(text) && !/Transfer-Encoding/.test(text)) assert.equal(h.keepAlive, t.keepAlive)
        })
        assert.equal(ours.body, theirs.body)
        assert.equal(ours.complete, theirs.complete)
      }),
      { numRuns: Number(process.env.PORTICO_FUZZ_RUNS ?? 3000) },
    )
  })

  it('never accepts a response llhttp refuses, and agrees on what both accept', { skip: native === null ? 'process.binding unavailable' : false }, () => {
    fc.assert(
      fc.property(validResponse, fc.array(mutation, { maxLength: 3 }), (source, muts) => {
        const bytes = mutate(source, muts)
        const ours = parsePorticoResponse(bytes)
        const theirs = parseNative(bytes, true)
        const text = bytes.toString('latin1')
        // Portico stops at every 101 (the contract: the caller checks Upgrade); llhttp only at a
        // 101 with Upgrade and Connection: upgrade, and is then stuck mid-message.
        if (ours.heads.some((h) => h.method === '101') && ours.error === null) return
        // RFC 9110 §15.2: a 1xx response ends with its header section. llhttp knows that of 100,
        // 102 and 103 only and reads a body after 104–199 by its Content-Length or
        // Transfer-Encoding; from there on the two read different messages by design.
        if (ours.heads.some((h) => /^1(0[4-9]|[1-9]\d)$/.test(h.method))) return
        const knownNewer = /\t/.test(text) && (theirs.error === 'HPE_INVALID_CONTENT_LENGTH' || theirs.error === 'HPE_INVALID_TRANSFER_ENCODING')
        if (ours.error === null && theirs.error !== null && !knownNewer) {
          assert.fail(`Portico accepted a response llhttp refuses (${theirs.error}): ${JSON.stringify(text)}`)
        }
        if (ours.error !== null || theirs.error !== null) return
        assert.deepEqual(ours.heads.map((h) => [h.method, h.url, h.headers, h.upgrade]), theirs.heads.map((h) => [h.method, h.url, h.headers, h.upgrade]))
        if (!/\t|Transfer-Encoding/.test(text)) assert.deepEqual(ours.heads.map((h) => h.keepAlive), theirs.heads.map((h) => h.keepAlive))
        assert.equal(ours.body, theirs.body)
        assert.equal(ours.complete, theirs.complete)
      }),
      { numRuns: Number(process.env.PORTICO_FUZZ_RUNS ?? 3000) },
    )
  })

  it('gives the same result for damaged input whole, split anywhere and byte by byte', () => {
    fc.assert(
      fc.property(valid, fc.array(mutation, { maxLength: 4 }), (source, muts) => {
        parseRequests(mutate(source, muts))
      }),
      { numRuns: 300 },
    )
  })

  it('throws nothing but HttpParseError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, response) => {
        const cb = { onHead() {}, onBody() {}, onComplete() {} }
        const parser = response ? new ResponseParser(cb) : new RequestParser(cb)
        try {
          parser.execute(Buffer.from(bytes))
          parser.finish()
        } catch (err) {
          assert.ok(err instanceof HttpParseError, String(err))
        }
      }),
      { numRuns: 2000 },
    )
  })
})
