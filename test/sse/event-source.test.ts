import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { EventSource, type EventSourceErrorEvent } from '../../src/sse/event-source.js'
import { sse } from '../../src/sse/sse-iterator.js'
import { isPorticoError } from '../../src/errors.js'
import { RawServer, SSE_HEAD } from './raw-server.js'

function nextEvent(target: EventTarget, type: string): Promise<Event> {
  return new Promise((resolve) => target.addEventListener(type, resolve, { once: true }))
}

function collect(es: EventSource, types: string[], n: number): Promise<Array<[string, string, string]>> {
  const got: Array<[string, string, string]> = []
  return new Promise((resolve) => {
    for (const type of types) {
      es.addEventListener(type, (ev) => {
        const m = ev as MessageEvent
        got.push([m.type, String(m.data), m.lastEventId])
        if (got.length === n) resolve(got)
      })
    }
  })
}

describe('EventSource client against a raw server', () => {
  it('opens, then delivers messages and named events to onmessage and addEventListener', async () => {
    const server = new RawServer((req) => {
      req.socket.write(SSE_HEAD + 'data: hello\n\nevent: price\nid: 7\ndata: 1.08\n\n')
    })
    const url = await server.listen()
    const es = new EventSource(url + '/events')
    assert.equal(es.readyState, EventSource.CONNECTING)
    const opened = nextEvent(es, 'open')
    const messages: string[] = []
    es.onmessage = (ev) => messages.push(String(ev.data))
    const price = (await nextEvent(es, 'price')) as MessageEvent
    await opened
    assert.equal(es.readyState, EventSource.OPEN)
    assert.deepEqual(messages, ['hello'])
    assert.equal(price.data, '1.08')
    assert.equal(price.lastEventId, '7')
    assert.equal(price.origin, url)
    const req = server.requests[0]
    assert.match(req.head, /^GET \/events HTTP\/1\.1\r\n/)
    assert.equal(req.header('accept'), 'text/event-stream')
    assert.equal(req.header('last-event-id'), undefined)
    es.close()
    assert.equal(es.readyState, EventSource.CLOSED)
    await server.close()
  })

  it('reads an odd but valid stream: BOM, CR and CRLF line ends, comments, bare fields, chunked, tiny pieces', async () => {
    const body = '\ufeff: comment\r\nretry\rdata\r\rdata:x\r\ndata:  y\r\n\r\nevent:  z\nunknown\ndata: é😀\n\n'
    const bytes = Buffer.from(body, 'utf8')
    const server = new RawServer((req) => {
      req.socket.write('HTTP/1.1 200 OK\r\nContent-Type: Text/Event-Stream; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n')
      let at = 0
      const step = (): void => {
        if (at >= bytes.length) return
        const piece = bytes.subarray(at, at + 3)
        at += 3
        req.socket.write(piece.length.toString(16) + '\r\n')
        req.socket.write(piece)
        req.socket.write('\r\n')
        setImmediate(step)
      }
      step()
    })
    const url = await server.listen()
    const es = new EventSource(url)
    const got = await collect(es, ['message', ' z'], 3)
    assert.deepEqual(got, [
      ['message', '', ''],
      ['message', 'x\n y', ''],
      [' z', 'é😀', ''],
    ])
    es.close()
    await server.close()
  })

  it('reconnects after the stream ends, waiting retry and sending Last-Event-ID', async () => {
    const server = new RawServer((req, i) => {
      if (i === 0) req.socket.end(SSE_HEAD + 'retry: 20\nid: a1\ndata: first\n\n')
      else req.socket.write(SSE_HEAD + 'data: second\n\n')
    })
    const url = await server.listen()
    const es = new EventSource(url)
    const states: number[] = []
    es.onerror = () => states.push(es.readyState)
    const got = await collect(es, ['message'], 2)
    assert.deepEqual(got, [['message', 'first', 'a1'], ['message', 'second', 'a1']])
    assert.deepEqual(states, [EventSource.CONNECTING])
    assert.equal(server.requests[1].header('last-event-id'), 'a1')
    es.close()
    await server.close()
  })

  /** Answers every request with `response`; the EventSource must close for good after one request. */
  async function closesForGood(response: string): Promise<unknown> {
    const server = new RawServer((req) => req.socket.end(response))
    const url = await server.listen()
    const es = new EventSource(url, { retryMs: 1 })
    const err = (await nextEvent(es, 'error')) as EventSourceErrorEvent
    assert.equal(es.readyState, EventSource.CLOSED)
    await new Promise((r) => setTimeout(r, 30))
    assert.equal(server.requests.length, 1)
    await server.close()
    return err.error
  }

  it('stops for good on 204 No Content', async () => {
    assert.equal(await closesForGood('HTTP/1.1 204 No Content\r\n\r\n'), undefined)
  })

  it('stops for good on a response that is not text/event-stream', async () => {
    const error = await closesForGood('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi')
    assert.ok(isPorticoError(error, 'PORTICO_ERR_SSE_BAD_RESPONSE'))
  })

  it('close() inside onmessage stops the events still to come from the same chunk', async () => {
    const server = new RawServer((req) => {
      req.socket.write(SSE_HEAD + 'data: 1\n\ndata: 2\n\ndata: 3\n\n')
    })
    const url = await server.listen()
    const es = new EventSource(url)
    const got: string[] = []
    await new Promise<void>((resolve) => {
      es.onmessage = (ev) => {
        got.push(String(ev.data))
        es.close()
        resolve()
      }
    })
    await new Promise((r) => setTimeout(r, 30))
    assert.deepEqual(got, ['1'])
    await server.close()
  })

  it('fails for good on a redirect whose Location is not a usable URL', async () => {
    const error = await closesForGood('HTTP/1.1 302 Found\r\nLocation: http://[bad\r\nContent-Length: 0\r\n\r\n')
    assert.ok(isPorticoError(error, 'PORTICO_ERR_SSE_BAD_RESPONSE'))
  })

  it('follows a redirect to the stream', async () => {
    const server = new RawServer((req) => {
      if (req.head.startsWith('GET /old')) req.socket.end('HTTP/1.1 307 Temporary Redirect\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n')
      else req.socket.write(SSE_HEAD + 'data: moved\n\n')
    })
    const url = await server.listen()
    const es = new EventSource(url + '/old')
    const got = await collect(es, ['message'], 1)
    assert.deepEqual(got, [['message', 'moved', '']])
    assert.match(server.requests[1].head, /^GET \/new /)
    es.close()
    await server.close()
  })

  it('retries while the server cannot be reached, with readyState CONNECTING', async () => {
    const server = new RawServer(() => {})
    const url = await server.listen()
    await server.close()
    const es = new EventSource(url, { retryMs: 5 })
    const errors: Array<Error | undefined> = []
    await new Promise<void>((resolve) => {
      es.onerror = (ev) => {
        errors.push(ev.error)
        assert.equal(es.readyState, EventSource.CONNECTING)
        if (errors.length === 3) resolve()
      }
    })
    es.close()
    assert.ok(errors.every((e) => isPorticoError(e, 'PORTICO_ERR_CANT_CONNECT')))
  })
})

describe('sse() async iterator', () => {
  it('yields events and closes the connection when the loop breaks', async () => {
    const server = new RawServer((req) => req.socket.write(SSE_HEAD + 'data: 1\n\nevent: two\ndata: 2\n\ndata: 3\n\n'))
    const url = await server.listen()
    const seen: string[] = []
    for await (const ev of sse(url)) {
      seen.push(`${ev.type}:${ev.data}`)
      if (seen.length === 2) break
    }
    assert.deepEqual(seen, ['message:1', 'two:2'])
    await new Promise<void>((resolve) => {
      const s = server.requests[0].socket
      if (s.destroyed || s.readableEnded) resolve()
      else s.on('close', () => resolve())
    })
    await server.close()
  })

  it('ends on 204 and throws PORTICO_ERR_SSE_BAD_RESPONSE on a 404', async () => {
    const server = new RawServer((req) => {
      if (req.head.startsWith('GET /gone')) req.socket.end('HTTP/1.1 204 No Content\r\n\r\n')
      else req.socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
    })
    const url = await server.listen()
    const gone: string[] = []
    for await (const ev of sse(url + '/gone')) gone.push(ev.data)
    assert.deepEqual(gone, [])
    await assert.rejects(async () => {
      for await (const ev of sse(url + '/missing')) assert.fail(`unexpected event ${ev.data}`)
    }, (e) => isPorticoError(e, 'PORTICO_ERR_SSE_BAD_RESPONSE'))
    await server.close()
  })

  it('stops when its signal aborts', async () => {
    const server = new RawServer((req) => req.socket.write(SSE_HEAD + 'data: only\n\n'))
    const url = await server.listen()
    const ac = new AbortController()
    const seen: string[] = []
    for await (const ev of sse(url, { signal: ac.signal })) {
      seen.push(ev.data)
      ac.abort()
    }
    assert.deepEqual(seen, ['only'])
    await server.close()
  })

  it('fails a stream whose server never sends a line break with PORTICO_ERR_SSE_EVENT_TOO_LARGE, then reconnects', async () => {
    const server = new RawServer((req, index) => {
      if (index === 0) {
        req.socket.write(SSE_HEAD + 'id: 1\ndata: first\n\n' + 'data: ' + 'x'.repeat(5000))
        return
      }
      req.socket.write(SSE_HEAD + 'data: again\n\n')
    })
    const url = await server.listen()
    const es = new EventSource(url + '/events', { maxEventSize: 1024, retryMs: 10 })
    const messages: string[] = []
    const again = new Promise<void>((resolve) => {
      es.onmessage = (ev) => {
        messages.push(String(ev.data))
        if (ev.data === 'again') resolve()
      }
    })
    const err = (await nextEvent(es, 'error')) as EventSourceErrorEvent
    assert.ok(isPorticoError(err.error, 'PORTICO_ERR_SSE_EVENT_TOO_LARGE'))
    assert.equal(es.readyState, EventSource.CONNECTING)
    await again
    assert.deepEqual(messages, ['first', 'again'])
    assert.equal(server.requests[1].header('last-event-id'), '1')
    es.close()
    await server.close()
  })
})
