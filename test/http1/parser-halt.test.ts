import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isPorticoError } from '../../src/errors.js'
import { RequestParser, ResponseParser, type RequestHead, type ResponseHead } from '../../src/http1/index.js'
import { cuttings } from './feed.js'

interface Run {
  /** Status codes (responses) or URLs (requests) of the messages completed, in order. */
  completed: (number | string)[]
  /** Absolute offsets where `execute` returned halted. */
  haltedAt: number[]
}

/**
 * Feeds `bytes` cut at `cuts` to a parser that halts at the end of every message; when it
 * halts, checks that it consumes nothing more, resumes, and feeds it the rest from there.
 */
function haltEveryMessage(kind: 'request' | 'response', bytes: Buffer, cuts: number[], finish = false): Run {
  const run: Run = { completed: [], haltedAt: [] }
  let pending: number | string = 0
  const cb = {
    onHead(head: RequestHead | ResponseHead): void {
      pending = 'statusCode' in head ? head.statusCode : head.url
    },
    onBody(): void {},
    onComplete(): void {
      run.completed.push(pending)
      parser.halt()
    },
  }
  const parser = kind === 'request' ? new RequestParser(cb) : new ResponseParser(cb)
  let at = 0
  for (const end of [...cuts, bytes.length]) {
    while (at < end) {
      const piece = bytes.subarray(at, end)
      const used = parser.execute(piece)
      at += used
      if (!parser.halted) {
        assert.equal(used, piece.length)
        continue
      }
      run.haltedAt.push(at)
      assert.equal(parser.betweenMessages, true)
      assert.equal(parser.execute(bytes.subarray(at, end)), 0, 'a halted parser consumes nothing')
      parser.resume()
    }
  }
  if (finish) {
    parser.finish()
    if (parser.halted) run.haltedAt.push(at)
  }
  return run
}

function everyCut(kind: 'request' | 'response', input: string, finish = false): Run {
  const bytes = Buffer.from(input, 'latin1')
  const whole = haltEveryMessage(kind, bytes, [], finish)
  for (const { label, cuts } of cuttings(bytes.length)) {
    assert.deepEqual(haltEveryMessage(kind, bytes, cuts, finish), whole, label)
  }
  return whole
}

describe('Http1Parser.halt()', () => {
  it('makes execute return where the message ended, at every split, and resume() parses the next', () => {
    const first = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'
    const second = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: 1\r\n\r\n'
    const third = 'HTTP/1.1 204 No Content\r\n\r\n'
    const run = everyCut('response', first + second + third)
    assert.deepEqual(run.completed, [200, 200, 204])
    assert.deepEqual(run.haltedAt, [first.length, first.length + second.length, first.length + second.length + third.length])
  })

  it('halts pipelined requests one by one', () => {
    const a = 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc'
    const b = 'GET /b HTTP/1.1\r\nHost: x\r\n\r\n'
    const run = everyCut('request', a + b)
    assert.deepEqual(run.completed, ['/a', '/b'])
    assert.deepEqual(run.haltedAt, [a.length, a.length + b.length])
  })

  it('halts after a body read until close, and finish() while halted is a clean end', () => {
    const run = everyCut('response', 'HTTP/1.1 200 OK\r\n\r\nall of it', true)
    assert.deepEqual(run.completed, [200])
    assert.deepEqual(run.haltedAt, ['HTTP/1.1 200 OK\r\n\r\nall of it'.length])
  })

  it('throws PORTICO_ERR_PARSER_STATE in the middle of a message, and the message goes on', () => {
    const done: number[] = []
    const parser = new ResponseParser({ onHead: (h) => void done.push(h.statusCode), onBody: () => {}, onComplete: () => done.push(0) })
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-'))
    assert.throws(() => parser.halt(), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_PARSER_STATE'))
    parser.execute(Buffer.from('Length: 1\r\n\r\nx'))
    assert.deepEqual(done, [200, 0])
    parser.halt()
    assert.equal(parser.halted, true)
  })

  it('leaves a protocol switch as it is: upgraded, not halted', () => {
    const head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'
    const parser: ResponseParser = new ResponseParser({ onHead: () => {}, onBody: () => {}, onComplete: () => parser.halt() })
    assert.equal(parser.execute(Buffer.from(head + '\x81\x00', 'latin1')), head.length)
    assert.equal(parser.upgraded, true)
    assert.equal(parser.halted, false)
    parser.resume()
    assert.equal(parser.execute(Buffer.from('more')), 0, 'resume() does not undo a protocol switch')
  })

  it('resume() keeps what the connection announced; reset() forgets it', () => {
    const closing = Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    const next = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
    const parser: ResponseParser = new ResponseParser({ onHead: () => {}, onBody: () => {}, onComplete: () => parser.halt() })
    parser.execute(closing)
    parser.resume()
    assert.throws(() => parser.execute(next), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_DATA_AFTER_CLOSE'))
    parser.reset()
    parser.execute(closing)
    assert.equal(parser.halted, true)
    parser.reset()
    assert.equal(parser.halted, false)
    assert.equal(parser.execute(next), next.length)
  })
})
