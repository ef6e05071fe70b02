import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { isPorticoError } from '../../src/errors.js'
import type { Server } from '../../src/server/index.js'
import '../../src/middleware/index.js'
import { RawClient, get, sleep, started, statusLines } from './helpers.js'

describe('answers started without await, and Content-Length', () => {
  let server: Server
  let port: number
  let dir: string
  const errors: unknown[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-pending-'))
    const file = join(dir, 'small.txt')
    writeFileSync(file, 'hello file\n')
    server = await started((s) => {
      s.get('/readable', (_req, res) => {
        res.send(Readable.from(['r1,', 'r2']))
      })
      s.get('/gen', (_req, res) => {
        res.send((async function* () {
          yield 'g1'
        })())
      })
      s.get('/file', (_req, res) => {
        res.sendFile(file)
      })
      s.get('/missing', (_req, res) => {
        res.sendFile(join(dir, 'nope.txt'))
      })
      s.get('/missing-late', async (_req, res) => {
        res.sendFile(join(dir, 'nope.txt'))
        await sleep(30)
      })
      s.get('/fallback', async (_req, res) => {
        try {
          await res.sendFile(join(dir, 'nope.txt'))
        } catch {
          return 'fallback'
        }
      })
      s.get('/readable-mw', (_req, res) => {
        res.send(Readable.from(['m1,', 'm2']))
      }, { middlewares: [async (_req, _res, next) => next()] })
      s.get('/cl', (_req, res) => {
        res.setHeader('Content-Length', '2')
        res.send('hello world')
      })
      s.head('/head', (_req, res) => {
        res.setHeader('Content-Length', '1234')
        res.end()
      })
      s.get('/next', () => 'next')
    })
    server.on('serverError', (_m: string, e: unknown) => errors.push(e))
    port = server.getPort()
  })
  after(async () => {
    await server.stop({ timeout: 1000 })
    rmSync(dir, { recursive: true, force: true })
  })

  it('sends a stream given to res.send() by a handler that does not return it', async () => {
    for (const [path, body] of [['/readable', '3\r\nr1,\r\n2\r\nr2\r\n0\r\n\r\n'], ['/gen', '2\r\ng1\r\n0\r\n\r\n'], ['/readable-mw', '3\r\nm1,\r\n2\r\nm2\r\n0\r\n\r\n']]) {
      const c = await RawClient.connect(port)
      c.write(get(path) + get('/next'))
      const data = await c.until((d) => d.includes('\r\n\r\nnext'))
      assert.ok(data.includes('Transfer-Encoding: chunked\r\n\r\n' + body), path + ': ' + JSON.stringify(data))
      c.close()
    }
  })

  it('sends a file given to res.sendFile() by a handler that does not await it; a missing one is a 404', async () => {
    const c = await RawClient.connect(port)
    c.write(get('/file') + get('/missing') + get('/missing-late') + get('/fallback') + get('/next'))
    const data = await c.until((d) => d.includes('\r\n\r\nnext'))
    assert.deepEqual(statusLines(data), ['HTTP/1.1 200 OK', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'])
    assert.match(data, /\r\n\r\nfallback/)
    assert.match(data, /Content-Length: 11\r\n\r\nhello file\n/)
    assert.deepEqual(errors, [])
    c.close()
  })

  it("replaces a handler's wrong Content-Length with the body's real one", async () => {
    const c = await RawClient.connect(port)
    c.write(get('/cl') + get('/next'))
    const data = await c.until((d) => d.includes('\r\n\r\nnext'))
    assert.deepEqual(statusLines(data), ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'])
    assert.match(data, /Content-Length: 11\r\n\r\nhello world/)
    assert.doesNotMatch(data, /Content-Length: 2\r\n/)
    c.close()
  })

  it('keeps the Content-Length a HEAD handler sets without a body', async () => {
    const c = await RawClient.connect(port)
    c.write('HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n' + get('/next'))
    const data = await c.until((d) => d.includes('\r\n\r\nnext'))
    assert.match(data, /Content-Length: 1234\r\n/)
    assert.equal(data.split('Content-Length').length, 3)
    c.close()
  })

  it('refuses a status code that is not an integer from 100 to 999', async () => {
    const codes = [99, 1000, 200.5, Number.NaN, 0]
    const seen: unknown[] = []
    const s = await started((s) => s.get('/', (_req, res) => {
      for (const code of codes) {
        try {
          res.setStatus(code)
          seen.push('accepted')
        } catch (err) {
          seen.push(isPorticoError(err, 'PORTICO_ERR_INVALID_STATUS_CODE'))
        }
      }
      res.setStatus(599)
      return 'ok'
    }))
    const r = await s.inject({ url: '/' })
    assert.equal(r.statusCode, 599)
    assert.deepEqual(seen, codes.map(() => true))
    await s.stop()
  })
})
