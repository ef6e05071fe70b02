import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Router, type RouteLookup } from '../../src/router/router.js'

// The interpreted matcher (`compile: false`, or the fallback when `new Function` is refused).
// The property tests (router-property.test.ts) hold it to the model and to the compiled matcher;
// these check how it is chosen, and a whole server under `--disallow-code-generation-from-strings`.

const ROUTES = [
  ['GET', '/users/me'],
  ['GET', '/users/{id:int}'],
  ['GET', '/users/{name}'],
  ['GET', '/users/{*rest}'],
  ['POST', '/items/{slug}'],
] as const

function routerOf(router: Router<string>): Router<string> {
  for (const [method, pattern] of ROUTES) router.add(method, pattern, `${method} ${pattern}`)
  return router
}

/** What a lookup answers, with `found` results reduced to value and params. */
function summary(result: RouteLookup<string>): unknown {
  return result.kind === 'found' ? { value: result.value, params: { ...result.params } } : result
}

const REQUESTS: [string, string, unknown][] = [
  ['GET', '/users/me', { value: 'GET /users/me', params: {} }],
  ['HEAD', '/users/42', { value: 'GET /users/{id:int}', params: { id: 42 } }],
  ['GET', '/users/caf%C3%A9', { value: 'GET /users/{name}', params: { name: 'café' } }],
  ['GET', '/users/bob/photos/', { value: 'GET /users/{*rest}', params: { rest: 'bob/photos/' } }],
  ['GET', '/users/%E9', { kind: 'not-found' }],
  ['GET', '/items/x', { kind: 'method-not-allowed', allow: ['OPTIONS', 'POST'] }],
  ['OPTIONS', '/items/x', { kind: 'options', allow: ['OPTIONS', 'POST'] }],
  ['POST', '//items//x/', { kind: 'redirect', location: '/items/x' }],
  ['POST', '/items/../x', { kind: 'not-found' }],
]

/** Runs `body` while `new Function` throws `error` (as it does under the flag); counts the tries. */
function withFunctionThrowing(error: Error, body: () => void): number {
  const original = globalThis.Function
  let tries = 0
  globalThis.Function = function refused() {
    tries++
    throw error
  } as unknown as FunctionConstructor
  try {
    body()
  } finally {
    globalThis.Function = original
  }
  return tries
}

describe('Router({ compile: false })', () => {
  for (const [method, path, expected] of REQUESTS) {
    it(`answers ${method} ${path} as the compiled router does`, () => {
      const interpreted = routerOf(new Router<string>({ compile: false }))
      assert.deepEqual(summary(interpreted.lookup(method, path)), expected)
      assert.deepEqual(interpreted.lookup(method, path), routerOf(new Router<string>()).lookup(method, path))
    })
  }

  it('returns the same pre-built result for a route without parameters, on every lookup', () => {
    const router = routerOf(new Router<string>({ compile: false }))
    assert.equal(router.lookup('GET', '/users/me'), router.lookup('GET', '/users/me'))
  })

  it('never calls new Function', () => {
    const tries = withFunctionThrowing(new Error('new Function called'), () => {
      const router = routerOf(new Router<string>({ compile: false }))
      assert.deepEqual(summary(router.lookup('GET', '/users/7')), { value: 'GET /users/{id:int}', params: { id: 7 } })
    })
    assert.equal(tries, 0)
  })

  it('sees routes added and removed after a lookup', () => {
    const router = routerOf(new Router<string>({ compile: false }))
    assert.equal(router.lookup('GET', '/users/7').kind, 'found')
    router.remove('GET', '/users/{id:int}')
    assert.deepEqual(summary(router.lookup('GET', '/users/7')), { value: 'GET /users/{name}', params: { name: '7' } })
    router.add('GET', '/users/7', 'seven')
    assert.deepEqual(summary(router.lookup('GET', '/users/7')), { value: 'seven', params: {} })
  })
})

describe('Router fallback when code generation is refused', () => {
  it('walks the tree when new Function throws an EvalError, and stops trying to compile', () => {
    const router = routerOf(new Router<string>())
    const tries = withFunctionThrowing(new EvalError('Code generation from strings disallowed for this context'), () => {
      assert.deepEqual(summary(router.lookup('GET', '/users/42')), { value: 'GET /users/{id:int}', params: { id: 42 } })
      router.add('GET', '/users/{id:int}/posts', 'posts')
      assert.deepEqual(summary(router.lookup('GET', '/users/42/posts')), { value: 'posts', params: { id: 42 } })
    })
    assert.equal(tries, 1)
  })

  it('lets an error other than EvalError through', () => {
    const router = routerOf(new Router<string>())
    withFunctionThrowing(new TypeError('not a refusal'), () => {
      assert.throws(() => router.lookup('GET', '/users/42'), TypeError)
    })
    assert.equal(router.lookup('GET', '/users/42').kind, 'found')
  })
})

describe('a server under node --disallow-code-generation-from-strings', () => {
  const script = fileURLToPath(new URL('./no-codegen-server.js', import.meta.url))

  function run(flags: string[]): Promise<{ codegen: string; answers: unknown[] }> {
    return new Promise((resolve, reject) => {
      execFile(process.execPath, [...flags, script], { timeout: 15_000 }, (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${error.message}\n${stderr}`))
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? ''))
      })
    })
  }

  it('routes requests with parameters, and answers 405, 308 and 404 as with the flag off', async () => {
    const [refused, allowed] = await Promise.all([run(['--disallow-code-generation-from-strings']), run([])])
    assert.equal(refused.codegen, 'refused')
    assert.equal(allowed.codegen, 'allowed')
    const json = { location: null, allow: null }
    assert.deepEqual(refused.answers, [
      { status: 200, ...json, body: JSON.stringify({ route: 'post', id: 42, slug: 'café' }) },
      { status: 200, ...json, body: JSON.stringify({ route: 'by-name', name: 'bob', slug: 'hello' }) },
      { status: 200, ...json, body: JSON.stringify({ route: 'static', path: 'css/site.css' }) },
      { status: 405, location: null, allow: 'GET, HEAD, OPTIONS', body: 'Method Not Allowed\n' },
      { status: 308, location: '/users/42/posts/x', allow: null, body: '' },
      { status: 404, location: null, allow: null, body: 'Not Found\n' },
    ])
    assert.deepEqual(refused.answers, allowed.answers)
  })
})
