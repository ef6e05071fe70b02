import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { HttpError } from '../../src/errors.js'
import { started } from './helpers.js'

describe('middlewares around a whole body', () => {
  it('set headers after await next(): the body is held until the outermost middleware returns', async () => {
    const server = await started((s) => {
      s.use(async (_req, res, next) => {
        await next()
        res.setHeader('X-After', 'yes')
        res.setStatus(203)
      })
      s.get('/', () => ({ ok: true }))
    })
    try {
      const res = await fetch(`http://127.0.0.1:${server.getPort()}/`)
      assert.equal(res.status, 203)
      assert.equal(res.headers.get('x-after'), 'yes')
      assert.deepEqual(await res.json(), { ok: true })
    } finally {
      await server.stop()
    }
  })

  it('reads and replaces the body after await next()', async () => {
    const server = await started((s) => {
      s.use(async (_req, res, next) => {
        await next()
        if (typeof res.body === 'string') res.send(res.body.toUpperCase())
      })
      s.get('/', (_req, res) => res.send('quiet words'))
    })
    try {
      const res = await fetch(`http://127.0.0.1:${server.getPort()}/`)
      assert.equal(await res.text(), 'QUIET WORDS')
      assert.equal(res.headers.get('content-length'), '11')
    } finally {
      await server.stop()
    }
  })

  it('drops a held body when the chain fails afterwards: the error answers instead', async () => {
    const server = await started((s) => {
      s.use(async (_req, _res, next) => {
        await next()
        throw new HttpError(409, 'conflict after the fact')
      })
      s.get('/', () => 'never sent')
    })
    try {
      const res = await fetch(`http://127.0.0.1:${server.getPort()}/`)
      assert.equal(res.status, 409)
      assert.equal((await res.text()).trim(), 'conflict after the fact')
    } finally {
      await server.stop()
    }
  })

  it('a streamed body is on its way at once: headersSent tells a middleware so', async () => {
    let sentBeforeReturn: boolean | undefined
    const server = await started((s) => {
      s.use(async (_req, res, next) => {
        await next()
        sentBeforeReturn = res.headersSent
      })
      s.get('/', (_req, res) => {
        const out = res.openStream()
        out.write('a')
        out.end()
      })
    })
    try {
      const res = await fetch(`http://127.0.0.1:${server.getPort()}/`)
      assert.equal(await res.text(), 'a')
      assert.equal(sentBeforeReturn, true)
    } finally {
      await server.stop()
    }
  })
})
