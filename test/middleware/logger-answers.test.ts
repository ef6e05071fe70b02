/**
 * The logger records what the client received when an error is involved: the status of the
 * error answer (the error handler's, the engine's) and its bytes, or `aborted` with the bytes
 * sent when a stream is cut short.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { HttpError } from '../../src/errors.js'
import { createServer, type Server } from '../../src/server/index.js'
import { compress } from '../../src/middleware/compress.js'
import { logger, type RequestLogRecord } from '../../src/middleware/logger.js'

const servers: Server[] = []
after(async () => {
  for (const s of servers) await s.stop({ graceful: false })
})

async function logged(setup: (s: Server) => void): Promise<{ port: number; records: RequestLogRecord[] }> {
  const server = createServer()
  server.on('serverError', () => undefined)
  const records: RequestLogRecord[] = []
  server.use(compress({ threshold: 0 }), { stage: 'encoding' })
  server.use(logger({ format: 'json', stream: { write: (line: string) => records.push(JSON.parse(line) as RequestLogRecord) } }))
  setup(server)
  await server.listen(0, '127.0.0.1')
  servers.push(server)
  return { port: server.getPort(), records }
}

/** Sends one request, reads until the server closes; the status and body length (after the head). */
function get(port: number, path: string, acceptEncoding = 'identity'): Promise<{ status: number; bodyLength: number; raw: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${acceptEncoding}\r\nConnection: close\r\n\r\n`),
    )
    let raw = ''
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => (raw += d))
    socket.on('error', reject)
    socket.on('close', () => {
      const end = raw.indexOf('\r\n\r\n')
      resolve({ status: Number(raw.slice(9, 12)), bodyLength: end < 0 ? 0 : raw.length - end - 4, raw })
    })
  })
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30))

test('logs the status and bytes of the error handler’s answer, not a guess from the error', async () => {
  const { port, records } = await logged((s) => {
    s.setErrorHandler((_err, _req, res) => {
      res.setStatus(422)
      res.setJson({ error: 'unprocessable' })
    })
    s.get('/validation', () => {
      throw new Error('bad input')
    })
    s.get('/teapot', () => {
      throw new HttpError(418, 'teapot')
    })
  })
  for (const path of ['/validation', '/teapot']) {
    const answer = await get(port, path)
    assert.equal(answer.status, 422)
    await settle()
    const record = records.at(-1) as RequestLogRecord
    assert.deepEqual([record.path, record.status, record.bytes, record.aborted], [path, 422, answer.bodyLength, undefined])
  }
})

test('logs the engine’s own error answer with its real bytes', async () => {
  const { port, records } = await logged((s) => {
    s.get('/teapot', () => {
      throw new HttpError(418, 'short and stout')
    })
    s.get('/boom', () => {
      throw new Error('hidden')
    })
  })
  for (const [path, status] of [['/teapot', 418], ['/boom', 500]] as const) {
    const answer = await get(port, path)
    assert.equal(answer.status, status)
    await settle()
    const record = records.at(-1) as RequestLogRecord
    assert.deepEqual([record.path, record.status, record.bytes], [path, status, answer.bodyLength])
  }
})

test('logs a stream whose source fails midway as aborted, with the status sent and the bytes written', async () => {
  const { port, records } = await logged((s) => {
    s.get('/fail', (_req, res) => {
      res.setHeader('Content-Type', 'text/plain')
      return res.send(
        (async function* () {
          yield 'a'.repeat(5000)
          await new Promise((resolve) => setTimeout(resolve, 20))
          throw new Error('source broke')
        })(),
      )
    })
  })
  for (const coding of ['identity', 'gzip']) {
    const answer = await get(port, '/fail', coding)
    assert.equal(answer.status, 200)
    assert.ok(!answer.raw.endsWith('0\r\n\r\n'), 'the body must not look complete')
    await settle()
    const record = records.at(-1) as RequestLogRecord
    assert.equal(record.status, 200)
    assert.equal(record.aborted, true)
    if (coding === 'identity') assert.equal(record.bytes, 5000)
    else assert.ok((record.bytes ?? 0) > 0, `compressed bytes written: ${record.bytes}`)
  }
})
