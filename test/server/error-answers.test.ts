import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { HttpError } from '../../src/errors.js'
import { compress } from '../../src/middleware/compress.js'
import { createServer } from '../../src/server/index.js'
import { RawClient, get, started } from './helpers.js'

describe('error answers: the answer to a failure never fails silently', () => {
  it('a body encoder that throws while a held body is written gives a plain 500, and the connection goes on', async () => {
    const errors: unknown[] = []
    const s = await started((s) => {
      s.use(compress({ threshold: 0, filter: () => { throw new Error('filter broke') } }))
      s.get('/', () => 'x'.repeat(2000))
      s.get('/ok', (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream')
        return 'fine'
      })
      s.on('serverError', (_m: string, e: unknown) => errors.push(e))
    })
    const c = await RawClient.connect(s.getPort())
    try {
      c.write(get('/', 'Accept-Encoding: gzip\r\n'))
      await c.until((d) => d.includes('\r\n\r\n') && /Internal Server Error\n$/.test(d))
      assert.match(c.data, /^HTTP\/1\.1 500 /)
      assert.doesNotMatch(c.data, /Content-Encoding/i)
      assert.equal(c.closed, false)
      assert.ok(errors.some((e) => e instanceof Error && e.message === 'filter broke'), String(errors))
    } finally {
      c.close()
      await s.stop()
    }
  })

  it('an HttpError with a status that cannot be a final answer (42, 101) is answered 500', async () => {
    const s = createServer()
    s.get('/42', () => {
      throw new HttpError(42)
    })
    s.get('/101', () => {
      throw new HttpError(101)
    })
    s.get('/418', () => {
      throw new HttpError(418)
    })
    assert.equal((await s.inject({ url: '/42' })).statusCode, 500)
    assert.equal((await s.inject({ url: '/101' })).statusCode, 500)
    assert.equal((await s.inject({ url: '/418' })).statusCode, 418)
  })

  it('an HttpError whose extra header value is invalid still gets its status, without the header', async () => {
    const s = createServer()
    s.get('/', () => {
      throw new HttpError(401, 'Who are you?', { headers: { 'WWW-Authenticate': 'Basic\r\nSet-Cookie: a=b' } })
    })
    const r = await s.inject({ url: '/' })
    assert.equal(r.statusCode, 401)
    assert.equal(r.headers['set-cookie'], undefined)
    assert.equal(r.headers['www-authenticate'], undefined)
  })
})
