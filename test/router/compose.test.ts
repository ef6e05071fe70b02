import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { MiddlewareStack, type Middleware } from '../../src/router/compose.js'
import { isPorticoError } from '../../src/errors.js'

interface Req {
  path: string
}
interface Res {
  body: string
  log: string[]
}

const newRes = (): Res => ({ body: '', log: [] })
const endpoint = async (_req: Req, res: Res): Promise<void> => {
  res.log.push('handler')
  res.body = 'hello'
}

/** A middleware that logs `name>` before and `<name` after the rest of the chain. */
function around(name: string): Middleware<Req, Res> {
  return async (_req, res, next) => {
    res.log.push(`${name}>`)
    await next()
    res.log.push(`<${name}`)
  }
}

describe('MiddlewareStack order', () => {
  it('runs encoding outermost, then stages ascending, registration order within a stage, route middlewares innermost', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    stack.use(around('s3'), { stage: 3 })
    stack.use(around('s1a'))
    stack.use(around('enc'), { stage: 'encoding' })
    stack.use(around('s2'), { stage: 2 })
    stack.use(around('s1b'), { stage: 1 })
    const res = newRes()
    await stack.compose(endpoint, [around('routeA'), around('routeB')])({ path: '/' }, res)
    assert.deepEqual(res.log, [
      'enc>', 's1a>', 's1b>', 's2>', 's3>', 'routeA>', 'routeB>',
      'handler',
      '<routeB', '<routeA', '<s3', '<s2', '<s1b', '<s1a', '<enc',
    ])
  })

  it('follows middlewares added after compose', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    const handle = stack.compose(endpoint)
    stack.use(around('late'))
    const res = newRes()
    await handle({ path: '/' }, res)
    assert.deepEqual(res.log, ['late>', 'handler', '<late'])
  })

  it('calls the endpoint itself when there is no middleware', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    const res = newRes()
    await stack.compose(endpoint)({ path: '/' }, res)
    assert.deepEqual(res.log, ['handler'])
    assert.equal(stack.size, 0)
  })

  it('lists middlewares in the order they run', () => {
    const stack = new MiddlewareStack<Req, Res>()
    const a = around('a')
    const b = around('b')
    stack.use(a, { stage: 2 }).use(b, { stage: 'encoding' })
    assert.deepEqual(stack.middlewares(), [b, a])
  })
})

describe('MiddlewareStack behaviour', () => {
  it('lets a middleware answer without calling next (the handler never runs)', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    stack.use(around('outer'))
    stack.use((_req, res) => {
      res.body = 'denied'
    })
    const res = newRes()
    await stack.compose(endpoint)({ path: '/' }, res)
    assert.equal(res.body, 'denied')
    assert.deepEqual(res.log, ['outer>', '<outer'])
  })

  it('lets a middleware replace the body after next', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    stack.use(async (_req, res, next) => {
      await next()
      res.body = res.body.toUpperCase()
    })
    const res = newRes()
    await stack.compose(endpoint)({ path: '/' }, res)
    assert.equal(res.body, 'HELLO')
  })

  it('waits for the chain when a middleware calls next without awaiting it', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    stack.use((_req, _res, next) => {
      void next()
    })
    const res = newRes()
    await stack.compose(async (req, r) => {
      await new Promise((resolve) => setImmediate(resolve))
      await endpoint(req, r)
    })({ path: '/' }, res)
    assert.deepEqual(res.log, ['handler'])
  })

  it('sends out the error of an inner chain that an async middleware did not await', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    stack.use(async (_req, _res, next) => {
      void next()
    })
    const handle = stack.compose(async () => {
      await new Promise((resolve) => setImmediate(resolve))
      throw new Error('late')
    })
    await assert.rejects(handle({ path: '/' }, newRes()), /late/)
  })

  it('sends an error thrown by the handler out to the caller, through every layer', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    const seen: unknown[] = []
    stack.use(async (_req, _res, next) => {
      try {
        await next()
      } catch (error) {
        seen.push(error)
        throw error
      }
    })
    const boom = new Error('boom')
    await assert.rejects(
      stack.compose(async () => {
        throw boom
      })({ path: '/' }, newRes()),
      boom,
    )
    assert.deepEqual(seen, [boom])
  })

  it('turns a synchronous throw of a middleware or endpoint into a rejection', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    const handle = stack.compose((() => {
      throw new Error('sync endpoint')
    }) as unknown as (req: Req, res: Res) => Promise<void>)
    await assert.rejects(handle({ path: '/' }, newRes()), /sync endpoint/)
    stack.use(() => {
      throw new Error('sync middleware')
    })
    await assert.rejects(stack.compose(endpoint)({ path: '/' }, newRes()), /sync middleware/)
  })

  it('lets an outer middleware recover from an inner error', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    stack.use(async (_req, res, next) => {
      try {
        await next()
      } catch {
        res.body = 'recovered'
      }
    })
    stack.use(() => Promise.reject(new Error('inner')))
    const res = newRes()
    await stack.compose(endpoint)({ path: '/' }, res)
    assert.equal(res.body, 'recovered')
  })

  it('refuses next called twice by one middleware', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    stack.use(async (_req, _res, next) => {
      await next()
      await next()
    })
    const res = newRes()
    await assert.rejects(stack.compose(endpoint)({ path: '/' }, res), (err) => isPorticoError(err, 'PORTICO_ERR_MIDDLEWARE_NEXT_CALLED_TWICE'))
    assert.deepEqual(res.log, ['handler'])
  })

  it('refuses stages that are neither encoding nor an integer >= 1', () => {
    const stack = new MiddlewareStack<Req, Res>()
    for (const stage of [0, -1, 1.5, NaN, 'gzip' as 'encoding']) {
      assert.throws(() => stack.use(around('x'), { stage }), (err) => isPorticoError(err, 'PORTICO_ERR_MIDDLEWARE_INVALID_STAGE'))
    }
    assert.equal(stack.size, 0)
  })

  it('keeps requests apart when chains run concurrently', async () => {
    const stack = new MiddlewareStack<Req, Res>()
    stack.use(async (req, res, next) => {
      res.log.push(req.path)
      await new Promise((resolve) => setImmediate(resolve))
      await next()
    })
    const handle = stack.compose(async (req, res) => {
      res.body = req.path
    })
    const results = await Promise.all(['/a', '/b', '/c'].map(async (path) => {
      const res = newRes()
      await handle({ path }, res)
      return res.body
    }))
    assert.deepEqual(results, ['/a', '/b', '/c'])
  })
})
