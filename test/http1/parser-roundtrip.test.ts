import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import '../fixtures/fuzz.js'
import {
  RequestParser,
  ResponseParser,
  chunkHeader,
  CHUNK_END,
  lastChunk,
  writeRequestHead,
  writeResponseHead,
  type RequestHead,
  type ResponseHead,
} from '../../src/http1/index.js'

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'proxy-connection', 'upgrade', 'expect'])

const token = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 12 })
const fieldName = token.filter((n) => !RESERVED.has(n.toLowerCase()))
const vchar = fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c))
const fieldValue = fc
  .array(fc.oneof(vchar, fc.constantFrom(' ', '\t')), { maxLength: 20 })
  .map((a) => a.join('').replace(/^[ \t]+|[ \t]+$/g, ''))
const fields = fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 8 })
const body = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))
const target = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 }).map((s) => '/' + s)

interface Spec {
  fields: [string, string][]
  body: Buffer
  chunked: boolean
  pieces: number[]
  trailers: [string, string][]
}
const message = fc.record({
  fields,
  body,
  chunked: fc.boolean(),
  pieces: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 6 }),
  trailers: fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 3 }),
})

/** The wire form of a message's fields and body (Content-Length or chunked). */
function serialize(spec: Spec, writeHead: (flat: string[]) => string): Buffer {
  const flat = spec.fields.flat()
  if (!spec.chunked) {
    const head: Uint8Array = Buffer.from(writeHead([...flat, 'Content-Length', String(spec.body.length)]), 'latin1')
    return Buffer.concat([head, spec.body])
  }
  const parts: Uint8Array[] = [Buffer.from(writeHead([...flat, 'Transfer-Encoding', 'chunked']), 'latin1')]
  let at = 0
  for (const size of [...spec.pieces, Infinity]) {
    if (at >= spec.body.length) break
    const piece = spec.body.subarray(at, Math.min(spec.body.length, at + size))
    at += piece.length
    parts.push(Buffer.from(chunkHeader(piece.length), 'latin1'), piece, Buffer.from(CHUNK_END, 'latin1'))
  }
  parts.push(Buffer.from(lastChunk(spec.trailers.flat()), 'latin1'))
  return Buffer.concat(parts)
}

function expectedFields(spec: Spec): string[] {
  return [...spec.fields.flat(), ...(spec.chunked ? ['Transfer-Encoding', 'chunked'] : ['Content-Length', String(spec.body.length)])]
}

/** Feeds `wire` cut at `cuts` (sorted, deduplicated) into `execute`. */
function feedCut(wire: Buffer, cuts: number[], execute: (b: Buffer) => number): void {
  let last = 0
  for (const cut of [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b).concat(wire.length)) {
    if (cut < last) continue
    assert.equal(execute(wire.subarray(last, cut)), cut - last)
    last = cut
  }
}

interface Got<H> {
  head: H
  body: Buffer[]
  trailers: string[]
  complete: boolean
}
function collector<H>(list: Got<H>[]) {
  return {
    onHead(head: H): void {
      list.push({ head, body: [], trailers: [], complete: false })
    },
    onBody(chunk: Buffer): void {
      list[list.length - 1].body.push(Buffer.from(chunk))
    },
    onTrailers(t: string[]): void {
      list[list.length - 1].trailers = t
    },
    onComplete(): void {
      list[list.length - 1].complete = true
    },
  }
}

describe('parsers: what the writer writes parses back to itself', () => {
  it('requests, pipelined, Content-Length and chunked with trailers, cut anywhere', () => {
    const request = fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'QUERY'), target, spec: message })
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 8 }), (reqs, cuts) => {
        const wire = Buffer.concat(reqs.map((r) => serialize(r.spec, (flat) => writeRequestHead(r.method, r.target, flat))))
        const got: Got<RequestHead>[] = []
        const parser = new RequestParser(collector(got))
        feedCut(wire, cuts, (b) => parser.execute(b))
        assert.equal(got.length, reqs.length)
        reqs.forEach((r, i) => {
          const g = got[i]
          assert.equal(g.head.method, r.method)
          assert.equal(g.head.url, r.target)
          assert.deepEqual(g.head.rawHeaders, expectedFields(r.spec))
          assert.deepEqual(Buffer.concat(g.body), r.spec.body)
          assert.deepEqual(g.trailers, r.spec.chunked ? r.spec.trailers.flat() : [])
          assert.equal(g.complete, true)
        })
      }),
      { numRuns: 300 },
    )
  })

  it('responses with any status and reason, cut anywhere', () => {
    const response = fc.record({
      status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
      reason: fc.option(fc.string({ unit: fc.constantFrom(...'abcdefgh XYZ-'), maxLength: 20 }).map((s) => s.trim()), { nil: undefined }),
      spec: message,
    })
    fc.assert(
      fc.property(fc.array(response, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 8 }), (resps, cuts) => {
        const wire = Buffer.concat(resps.map((r) => serialize(r.spec, (flat) => writeResponseHead(r.status, r.reason, flat))))
        const got: Got<ResponseHead>[] = []
        const parser = new ResponseParser(collector(got))
        feedCut(wire, cuts, (b) => parser.execute(b))
        assert.equal(got.length, resps.length)
        resps.forEach((r, i) => {
          const g = got[i]
          assert.equal(g.head.statusCode, r.status)
          if (r.reason !== undefined) assert.equal(g.head.statusMessage, r.reason)
          assert.deepEqual(g.head.rawHeaders, expectedFields(r.spec))
          assert.deepEqual(Buffer.concat(g.body), r.spec.body)
          assert.deepEqual(g.trailers, r.spec.chunked ? r.spec.trailers.flat() : [])
          assert.equal(g.complete, true)
        })
      }),
      { numRuns: 300 },
    )
  })
})
