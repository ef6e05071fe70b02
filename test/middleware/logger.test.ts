import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatBytes, formatDuration, formatPretty, logger, type LoggableResponse, type LogSink } from '../../src/middleware/logger.js'
import { MiddlewareStack } from '../../src/router/compose.js'
import { HttpError } from '../../src/errors.js'

interface Req {
  method: string
  path: string
}
interface Res extends LoggableResponse {
  statusCode: number
  bytesWritten?: number
  headers?: Record<string, string>
}

/** A sink that keeps lines; `isTTY` as asked. */
function sink(isTTY: boolean): LogSink & { lines: string[] } {
  const lines: string[] = []
  return { isTTY, lines, write: (line: string) => lines.push(line) }
}

/** A fake clock: `now()` returns 1000, then 1000 + each step in turn. */
function clock(...steps: number[]): () => number {
  const values = [1000, ...steps.map((s) => 1000 + s)]
  return () => values.shift() ?? 0
}

const WALL = Date.UTC(2026, 10, 22, 9, 5, 7, 123)

async function run(options: Parameters<typeof logger>[0], res: Res, handler: (res: Res) => void | Promise<void>, req: Req = { method: 'GET', path: '/users/42' }): Promise<void> {
  const stack = new MiddlewareStack<Req, Res>()
  stack.use(logger<Req, Res>(options))
  await stack.compose(async (_req, r) => handler(r))(req, res)
}

describe('logger JSON lines', () => {
  it('writes one JSON line with method, path, status, bytes and duration when the stream is not a TTY', async () => {
    const out = sink(false)
    await run({ stream: out, now: clock(12.3456), wallClock: () => WALL }, { statusCode: 200 }, (res) => {
      res.statusCode = 201
      res.bytesWritten = 512
    })
    assert.deepEqual(out.lines, [
      '{"time":"2026-11-22T09:05:07.123Z","method":"GET","path":"/users/42","status":201,"bytes":512,"durationMs":12.346}\n',
    ])
  })

  it('reads bytes from Content-Length when bytesWritten is missing, null when neither is there', async () => {
    const out = sink(false)
    const withLength: Res = { statusCode: 200, getHeader: (name) => (name === 'content-length' ? '17' : undefined) }
    await run({ stream: out, now: clock(1), wallClock: () => WALL }, withLength, () => {})
    await run({ stream: out, now: clock(1), wallClock: () => WALL }, { statusCode: 204 }, () => {})
    assert.deepEqual(out.lines.map((line) => JSON.parse(line).bytes), [17, null])
  })

  it('logs the status of an error thrown further in, and passes the error on', async () => {
    const out = sink(false)
    const teapot = new HttpError(418, 'teapot')
    await assert.rejects(run({ stream: out, now: clock(2), wallClock: () => WALL }, { statusCode: 200 }, () => { throw teapot }), teapot)
    await assert.rejects(run({ stream: out, now: clock(2), wallClock: () => WALL }, { statusCode: 200 }, () => { throw new Error('x') }), /x/)
    assert.deepEqual(out.lines.map((line) => JSON.parse(line).status), [418, 500])
  })

  it('waits for onFinish when the response offers it', async () => {
    const out = sink(false)
    let finish: (() => void) | undefined
    const res: Res = { statusCode: 200, onFinish: (cb) => { finish = cb } }
    await run({ stream: out, now: clock(5), wallClock: () => WALL }, res, () => {})
    assert.deepEqual(out.lines, [])
    res.bytesWritten = 1_000_000
    finish?.()
    assert.equal(JSON.parse(out.lines[0]).bytes, 1_000_000)
  })

  it('uses JSON lines when format is json even on a TTY', async () => {
    const out = sink(true)
    await run({ stream: out, format: 'json', now: clock(1), wallClock: () => WALL }, { statusCode: 200 }, () => {})
    assert.equal(JSON.parse(out.lines[0]).status, 200)
  })
})

describe('logger pretty lines', () => {
  it('writes a coloured line on a TTY', async () => {
    const out = sink(true)
    await run({ stream: out, colors: true, now: clock(1.3), wallClock: () => WALL }, { statusCode: 200 }, (res) => {
      res.bytesWritten = 1536
    })
    assert.deepEqual(out.lines, ['\x1b[2m09:05:07\x1b[0m \x1b[1mGET\x1b[0m /users/42 \x1b[32m200\x1b[0m 1.5kB \x1b[2m1.30ms\x1b[0m\n'])
  })

  it('colours the status by class: 3xx cyan, 4xx yellow, 5xx red', async () => {
    const out = sink(true)
    for (const status of [308, 404, 503]) {
      await run({ stream: out, colors: true, now: clock(1), wallClock: () => WALL }, { statusCode: status }, () => {})
    }
    assert.deepEqual(out.lines.map((line) => line.match(/\x1b\[3\dm(\d+)/)?.[0]), ['\x1b[36m308', '\x1b[33m404', '\x1b[31m503'])
  })

  it('writes a plain line when colours are off', async () => {
    const out = sink(false)
    await run({ stream: out, format: 'pretty', now: clock(2500), wallClock: () => WALL }, { statusCode: 404 }, () => {}, { method: 'DELETE', path: '/a%20b' })
    assert.deepEqual(out.lines, ['09:05:07 DELETE /a%20b 404 - 2.50s\n'])
  })

  it('formats bytes and durations for people', () => {
    assert.deepEqual([0, 999, 1000, 1536, 2_500_000, 3e9].map(formatBytes), ['0B', '999B', '1.0kB', '1.5kB', '2.5MB', '3.0GB'])
    assert.equal(formatBytes(null), '-')
    assert.deepEqual([0.4219, 12.34, 999.9, 1234].map(formatDuration), ['0.42ms', '12.3ms', '999.9ms', '1.23s'])
  })
})

describe('logger on a real server', () => {
  it('logs a request served over loopback', async () => {
    const { createServer } = await import('../../src/server/index.js')
    const out = sink(false)
    const server = createServer()
    server.use(logger({ stream: out }))
    server.get('/users/{id:int}', (req, res) => {
      res.send(`user ${req.params.id}`)
    })
    await server.listen(0, '127.0.0.1')
    try {
      const response = await fetch(`http://127.0.0.1:${server.getPort()}/users/42?secret=1`)
      assert.equal(await response.text(), 'user 42')
    } finally {
      await server.stop({ graceful: false })
    }
    assert.equal(out.lines.length, 1)
    const record = JSON.parse(out.lines[0])
    assert.deepEqual([record.method, record.path, record.status], ['GET', '/users/42', 200])
    assert.equal(typeof record.durationMs, 'number')
  })

  it('logs body bytes of streamed answers once they end, unmatched requests, and aborted streams', async () => {
    const { createServer } = await import('../../src/server/index.js')
    const out = sink(false)
    const server = createServer()
    server.use(logger({ stream: out }))
    let streamClosed: Promise<void> | undefined
    server.get('/stream', (_req, res) => {
      const s = res.openStream()
      s.write('12345')
      setTimeout(() => {
        s.write('67890')
        s.end()
      }, 30)
    })
    server.get('/forever', (_req, res) => {
      const s = res.openStream()
      s.write('tick')
      streamClosed = new Promise((resolve) => s.onClose(resolve))
    })
    await server.listen(0, '127.0.0.1')
    const base = `http://127.0.0.1:${server.getPort()}`
    try {
      assert.equal(await (await fetch(`${base}/stream`)).text(), '1234567890')
      const missing = await fetch(`${base}/missing`)
      await missing.text()
      assert.equal(missing.status, 404)
      const controller = new AbortController()
      const forever = await fetch(`${base}/forever`, { signal: controller.signal })
      const reader = (forever.body as ReadableStream<Uint8Array>).getReader()
      await reader.read()
      controller.abort()
      await streamClosed
      await new Promise((resolve) => setTimeout(resolve, 20))
    } finally {
      await server.stop({ graceful: false })
    }
    const records = out.lines.map((line) => JSON.parse(line) as { path: string; status: number; bytes: number; aborted?: boolean })
    assert.deepEqual(
      records.map((r) => [r.path, r.status, r.bytes, r.aborted ?? false]),
      [['/stream', 200, 10, false], ['/missing', 404, 10, false], ['/forever', 200, 4, true]],
    )
  })

  it('prints a client path with control characters percent-encoded, so it cannot forge a line or drive the terminal', () => {
    const record = { time: '2026-11-22T06:00:00.000Z', method: 'GET', path: '/\u001b[2J\u001b[31mFAKE\n06:00:00 GET /admin 200', status: 404, bytes: 10, durationMs: 1 }
    for (const colors of [false, true]) {
      const line = formatPretty(record, colors)
      assert.equal(line.split('\n').length, 2, line)
      assert.ok(line.includes('/%1B[2J%1B[31mFAKE%0A06:00:00%20GET%20/admin%20200'), line)
    }
    assert.ok(formatPretty({ ...record, path: '/caf\u00e9/a' }, false).includes(' /caf\u00e9/a '))
  })
})
