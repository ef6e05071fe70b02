import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { PorticoError } from '../../src/errors.js'
import type { Server } from '../../src/server/index.js'
import { RawClient, get, sleep, started } from './helpers.js'

/** One response as a strict HTTP/1.1 client frames it (RFC 9112 §6.3). */
interface Parsed {
  status: number
  fields: [string, string][]
  body: string
}

/**
 * Frames `data` into responses the way a proxy would: Content-Length or chunked, a body
 * without either runs to the end. Returns the complete responses and what is left over.
 */
function frame(data: string): { responses: Parsed[]; rest: string } {
  const responses: Parsed[] = []
  let at = 0
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at)
    if (end < 0) break
    const lines = data.slice(at, end).split('\r\n')
    const status = Number(lines[0].split(' ')[1])
    const fields = lines.slice(1).map((l): [string, string] => {
      const i = l.indexOf(':')
      return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()]
    })
    const te = fields.filter(([k]) => k === 'transfer-encoding')
    const cl = fields.filter(([k]) => k === 'content-length')
    let pos = end + 4
    let body = ''
    if (te.length > 0) {
      for (;;) {
        const lineEnd = data.indexOf('\r\n', pos)
        if (lineEnd < 0) return { responses, rest: data.slice(at) }
        const sizeLine = data.slice(pos, lineEnd)
        if (!/^[0-9a-f]+$/i.test(sizeLine)) return { responses, rest: data.slice(at) }
        const size = parseInt(sizeLine, 16)
        pos = lineEnd + 2
        if (size === 0) {
          pos += 2
          break
        }
        body += data.slice(pos, pos + size)
        pos += size + 2
      }
    } else if (cl.length > 0 && status >= 200 && status !== 204 && status !== 304) {
      const n = Number(cl[0][1])
      if (data.length - pos < n) return { responses, rest: data.slice(at) }
      body = data.slice(pos, pos + n)
      pos += n
    } else if (status >= 200 && status !== 204 && status !== 304) {
      body = data.slice(pos)
      pos = data.length
    }
    responses.push({ status, fields, body })
    at = pos
  }
  return { responses, rest: data.slice(at) }
}

const values = (r: Parsed, name: string): string[] => r.fields.filter(([k]) => k === name).map(([, v]) => v)
const FAKE = 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINJECTED'

describe('response framing: the engine owns Content-Length, Transfer-Encoding and Connection', () => {
  let server: Server
  let port: number
  const errors: unknown[] = []
  const thrown = new Map<string, unknown>()

  before(async () => {
    server = await started((s) => {
      s.on('serverError', (_m: string, e: unknown) => errors.push(e))
      s.get('/next', () => 'next\n')
      // --- Transfer-Encoding set by the handler (copied from an upstream) ---
      s.get('/te-send', (_req, res) => {
        res.setHeader('Transfer-Encoding', 'chunked')
        res.send('0\r\n\r\n' + FAKE)
      })
      s.get('/te-bytes', (_req, res) => {
        res.addHeader('transfer-encoding', 'gzip, chunked')
        res.send(Buffer.from('0\r\n\r\n' + FAKE))
      })
      s.get('/te-stream', (_req, res) => {
        res.setHeader('Transfer-Encoding', 'chunked')
        const out = res.openStream()
        out.write('abc')
        out.end()
      })
      s.get('/te-seen', (_req, res) => {
        res.setHeader('Transfer-Encoding', 'chunked')
        return String(res.hasHeader('transfer-encoding'))
      })
      s.get('/te-cl-stream', (_req, res) => {
        res.setHeader('Transfer-Encoding', 'chunked').setHeader('Content-Length', '5')
        res.send(Readable.from(['hel', 'lo']))
      })
      s.get('/conn-keep', (_req, res) => {
        res.setHeader('Connection', 'keep-alive')
        return 'x'
      })
      s.get('/conn-removed', (_req, res) => {
        res.setHeader('Connection', 'close').removeHeader('Connection')
        return 'x'
      })
      // --- a Content-Length the handler set, on a streamed body ---
      s.get('/cl-long', (_req, res) => {
        res.setHeader('Content-Length', '5')
        return res.send(Readable.from(['hello', FAKE]))
      })
      s.get('/cl-long-one', (_req, res) => {
        res.setHeader('Content-Length', '5')
        return res.send(Readable.from(['hello' + FAKE]))
      })
      s.get('/cl-short', (_req, res) => {
        res.setHeader('Content-Length', '20')
        return res.send(Readable.from(['short']))
      })
      s.get('/cl-exact', (_req, res) => {
        res.setHeader('Content-Length', '5')
        return res.send(Readable.from(['hel', 'lo']))
      })
      s.get('/os-long', (_req, res) => {
        res.setHeader('Content-Length', '2')
        const out = res.openStream()
        try {
          out.write('okEXTRA')
        } catch (err) {
          thrown.set('/os-long', err)
        }
        out.end()
      })
      s.get('/os-long-later', (_req, res) => {
        res.setHeader('Content-Length', '2')
        const out = res.openStream()
        out.write('ok')
        try {
          out.write(Buffer.from('EXTRA'))
        } catch (err) {
          thrown.set('/os-long-later', err)
        }
      })
      s.get('/os-short', (_req, res) => {
        res.setHeader('Content-Length', '10')
        const out = res.openStream()
        out.write('abc')
        try {
          out.end()
        } catch (err) {
          thrown.set('/os-short', err)
        }
        thrown.set('/os-short:aborted', res.aborted)
      })
      s.get('/os-exact', (_req, res) => {
        res.setHeader('Content-Length', '6')
        const out = res.openStream()
        out.write('ab')
        out.write(Buffer.from('cdef'))
        out.end()
      })
      s.get('/os-bad-cl', (_req, res) => {
        res.setHeader('Content-Length', '5, 6')
        res.openStream().end()
      })
      s.get('/os-dup-cl', (_req, res) => {
        res.addHeader('Content-Length', '3').addHeader('content-length', '3')
        const out = res.openStream()
        out.write('abc')
        out.end()
      })
      // --- statusCode assigned directly ---
      s.get('/status', (req, res) => {
        ;(res as { statusCode: unknown }).statusCode = req.query.status ?? 200
        return 'body\n'
      })
      s.get('/status-n', (req, res) => {
        res.statusCode = Number(req.query.status)
        return 'body\n'
      })
      s.get('/status-caught', (_req, res) => {
        try {
          res.statusCode = 42
        } catch (err) {
          thrown.set('/status-caught', err)
        }
        return 'still 200\n'
      })
    })
    port = server.getPort()
  })
  after(() => server.stop({ timeout: 1000 }))

  /** Sends GET `path` then GET /next on one connection; resolves when the server closed or both arrived. */
  async function pipelined(path: string): Promise<{ data: string; closed: boolean }> {
    const c = await RawClient.connect(port)
    try {
      c.write(get(path) + get('/next'))
      await c.until((d) => c.closed || d.endsWith('next\n'))
      await sleep(30)
      return { data: c.data, closed: c.closed }
    } finally {
      c.close()
    }
  }

  describe('Transfer-Encoding set by the handler', () => {
    it('drops it on a whole string body: one Content-Length, the body never read as a next response', async () => {
      const { data } = await pipelined('/te-send')
      const { responses, rest } = frame(data)
      assert.equal(rest, '')
      assert.equal(responses.length, 2, data)
      assert.deepEqual(values(responses[0], 'transfer-encoding'), [])
      assert.deepEqual(values(responses[0], 'content-length'), [String(5 + FAKE.length)])
      assert.equal(responses[0].body, '0\r\n\r\n' + FAKE)
      assert.equal(responses[1].body, 'next\n')
    })

    it('drops it on a whole bytes body, whatever its case and codings', async () => {
      const { data } = await pipelined('/te-bytes')
      const { responses } = frame(data)
      assert.equal(responses.length, 2, data)
      assert.deepEqual(values(responses[0], 'transfer-encoding'), [])
      assert.equal(responses[0].body, '0\r\n\r\n' + FAKE)
      assert.equal(responses[1].body, 'next\n')
    })

    it('sends exactly one Transfer-Encoding: chunked on openStream()', async () => {
      const { data } = await pipelined('/te-stream')
      const { responses } = frame(data)
      assert.equal(responses.length, 2, data)
      assert.deepEqual(values(responses[0], 'transfer-encoding'), ['chunked'])
      assert.equal(responses[0].body, 'abc')
      assert.equal(responses[1].body, 'next\n')
    })

    it('is not kept on the response (setHeader documents the drop)', async () => {
      const { data } = await pipelined('/te-seen')
      assert.equal(frame(data).responses[0].body, 'false')
    })

    it('is dropped beside a Content-Length: the stream is framed by the length', async () => {
      const { data, closed } = await pipelined('/te-cl-stream')
      const { responses } = frame(data)
      assert.equal(responses.length, 2, data)
      assert.deepEqual(values(responses[0], 'transfer-encoding'), [])
      assert.deepEqual(values(responses[0], 'content-length'), ['5'])
      assert.equal(responses[0].body, 'hello')
      assert.equal(closed, false)
    })
  })

  describe('Connection set by the handler', () => {
    it('still says close when the engine closes after the response', async () => {
      const c = await RawClient.connect(port)
      c.write(get('/conn-keep', 'Connection: close\r\n'))
      const data = await c.closedByPeer().finally(() => c.close())
      const [r] = frame(data).responses
      assert.ok(values(r, 'connection').some((v) => /\bclose\b/i.test(v)), data)
    })

    it('says close after a Connection: close field was removed again', async () => {
      const c = await RawClient.connect(port)
      c.write(get('/conn-removed'))
      const data = await c.closedByPeer().finally(() => c.close())
      const [r] = frame(data).responses
      assert.deepEqual(values(r, 'connection'), ['close'])
    })
  })

  describe('a streamed body is held to the Content-Length the handler set', () => {
    it('never writes bytes past it (send(readable), the excess in a later chunk) and closes', async () => {
      errors.length = 0
      const { data, closed } = await pipelined('/cl-long')
      assert.equal(closed, true)
      assert.ok(!data.includes('INJECTED'), data)
      const { responses, rest } = frame(data)
      assert.equal(rest, '')
      assert.equal(responses.length, 1, data)
      assert.equal(responses[0].body, 'hello')
      await sleep(20)
      assert.ok(errors.some((e) => e instanceof PorticoError && e.code === 'PORTICO_ERR_RESPONSE_LENGTH_MISMATCH'), String(errors))
    })

    it('never writes bytes past it (the excess in the same chunk)', async () => {
      const { data, closed } = await pipelined('/cl-long-one')
      assert.equal(closed, true)
      assert.ok(!data.includes('INJECTED') && !data.includes('hello'), data)
      assert.equal(frame(data).responses.length, 0, data)
    })

    it('closes the connection when the body ends short (a truncated message, not a desync)', async () => {
      errors.length = 0
      const { data, closed } = await pipelined('/cl-short')
      assert.equal(closed, true)
      assert.ok(!data.includes('next\n'), data)
      const { responses, rest } = frame(data)
      assert.equal(responses.length, 0)
      assert.ok(rest.endsWith('\r\n\r\nshort'), rest)
      await sleep(20)
      assert.ok(errors.some((e) => e instanceof PorticoError && e.code === 'PORTICO_ERR_RESPONSE_LENGTH_MISMATCH'), String(errors))
    })

    it('keeps the connection alive when the body matches it', async () => {
      const { data, closed } = await pipelined('/cl-exact')
      assert.equal(closed, false)
      const { responses } = frame(data)
      assert.deepEqual(responses.map((r) => r.body), ['hello', 'next\n'])
      assert.deepEqual(values(responses[0], 'content-length'), ['5'])
    })

    it('openStream(): a write past it throws a typed error and writes nothing of it', async () => {
      const { data, closed } = await pipelined('/os-long')
      assert.equal(closed, true)
      assert.ok(!data.includes('EXTRA') && !data.includes('next\n'), data)
      const err = thrown.get('/os-long')
      assert.ok(err instanceof PorticoError && err.code === 'PORTICO_ERR_RESPONSE_LENGTH_MISMATCH', String(err))
    })

    it('openStream(): a write past it after the exact length keeps the body, then closes', async () => {
      const { data, closed } = await pipelined('/os-long-later')
      assert.equal(closed, true)
      const { responses, rest } = frame(data)
      assert.equal(rest, '')
      assert.deepEqual(responses.map((r) => r.body), ['ok'])
      assert.ok(thrown.get('/os-long-later') instanceof PorticoError)
    })

    it('openStream(): end() short of it throws and closes the connection', async () => {
      const { data, closed } = await pipelined('/os-short')
      assert.equal(closed, true)
      assert.ok(data.endsWith('\r\n\r\nabc'), data)
      const err = thrown.get('/os-short')
      assert.ok(err instanceof PorticoError && err.code === 'PORTICO_ERR_RESPONSE_LENGTH_MISMATCH', String(err))
      assert.equal(thrown.get('/os-short:aborted'), true)
    })

    it('openStream(): a body of exactly that length keeps the connection', async () => {
      const { data, closed } = await pipelined('/os-exact')
      assert.equal(closed, false)
      assert.deepEqual(frame(data).responses.map((r) => r.body), ['abcdef', 'next\n'])
    })

    it('openStream(): a malformed Content-Length answers 500 before any head is written', async () => {
      const { data } = await pipelined('/os-bad-cl')
      const { responses } = frame(data)
      assert.deepEqual(responses.map((r) => r.status), [500, 200], data)
      assert.ok(!data.includes('5, 6'), data)
    })

    it('openStream(): equal duplicate Content-Length fields go out as one', async () => {
      const { data } = await pipelined('/os-dup-cl')
      const { responses } = frame(data)
      assert.deepEqual(values(responses[0], 'content-length'), ['3'])
      assert.deepEqual(responses.map((r) => r.body), ['abc', 'next\n'])
    })
  })

  describe('res.statusCode assigned directly is validated like setStatus()', () => {
    it('refuses a status carrying CRLF (no injected field), answering 500', async () => {
      const q = encodeURIComponent('200 OK\r\nSet-Cookie: session=attacker\r\nX-Pad:')
      const { data } = await pipelined(`/status?status=${q}`)
      assert.ok(!/set-cookie/i.test(data), data)
      assert.deepEqual(frame(data).responses.map((r) => r.status), [500, 200])
    })

    for (const bad of ['42', 'abc', '1000', '200.5']) {
      it(`refuses ${bad} (an invalid status line is never written)`, async () => {
        const { data } = await pipelined(`/status-n?status=${bad}`)
        assert.deepEqual(frame(data).responses.map((r) => r.status), [500, 200], data)
      })
    }

    it('throws PORTICO_ERR_INVALID_STATUS_CODE and keeps the status it had', async () => {
      const { data } = await pipelined('/status-caught')
      assert.deepEqual(frame(data).responses.map((r) => [r.status, r.body]), [[200, 'still 200\n'], [200, 'next\n']])
      const err = thrown.get('/status-caught')
      assert.ok(err instanceof PorticoError && err.code === 'PORTICO_ERR_INVALID_STATUS_CODE', String(err))
    })

    it('takes a valid number', async () => {
      const { data } = await pipelined('/status-n?status=299')
      assert.deepEqual(frame(data).responses.map((r) => r.status), [299, 200])
    })
  })
})
