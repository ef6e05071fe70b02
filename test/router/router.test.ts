import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Router, type RouteLookup } from '../../src/router/router.js'
import { isPorticoError } from '../../src/errors.js'

/** A router whose values are the patterns themselves, from `[method, pattern]` pairs. */
function routerOf(routes: readonly (readonly [string, string])[]): Router<string> {
  const router = new Router<string>()
  for (const [method, pattern] of routes) router.add(method, pattern, `${method} ${pattern}`)
  return router
}

/** The value and params of a found lookup, or the lookup itself otherwise. */
function summary(result: RouteLookup<string>): unknown {
  return result.kind === 'found' ? { value: result.value, params: { ...result.params } } : result
}

const PRECEDENCE_ROUTES = [
  ['GET', '/users/{*rest}'],
  ['GET', '/users/{name}'],
  ['GET', '/users/{id:int}'],
  ['GET', '/users/me'],
] as const

describe('Router precedence', () => {
  for (const order of [PRECEDENCE_ROUTES, [...PRECEDENCE_ROUTES].reverse(), [PRECEDENCE_ROUTES[2], PRECEDENCE_ROUTES[0], PRECEDENCE_ROUTES[3], PRECEDENCE_ROUTES[1]]]) {
    const router = routerOf(order)
    const label = order.map(([, p]) => p).join(', ')
    it(`prefers a literal over every parameter (registered ${label})`, () => {
      assert.deepEqual(summary(router.lookup('GET', '/users/me')), { value: 'GET /users/me', params: {} })
    })
    it(`prefers {id:int} over {name} for an integer (registered ${label})`, () => {
      assert.deepEqual(summary(router.lookup('GET', '/users/42')), { value: 'GET /users/{id:int}', params: { id: 42 } })
    })
    it(`prefers {name} over {*rest} for one segment (registered ${label})`, () => {
      assert.deepEqual(summary(router.lookup('GET', '/users/bob')), { value: 'GET /users/{name}', params: { name: 'bob' } })
    })
    it(`falls back to {*rest} for several segments (registered ${label})`, () => {
      assert.deepEqual(summary(router.lookup('GET', '/users/bob/photos')), {
        value: 'GET /users/{*rest}',
        params: { rest: 'bob/photos' },
      })
    })
  }

  it('backtracks from a literal branch that fails deeper down to a parameter', () => {
    const router = routerOf([['GET', '/a/lit/c'], ['GET', '/a/{x}/b']])
    assert.deepEqual(summary(router.lookup('GET', '/a/lit/b')), { value: 'GET /a/{x}/b', params: { x: 'lit' } })
    assert.deepEqual(summary(router.lookup('GET', '/a/lit/c')), { value: 'GET /a/lit/c', params: {} })
  })

  it('backtracks from {id:int} to {name} and from {name} to {*rest}', () => {
    const router = routerOf([['GET', '/f/{id:int}/x'], ['GET', '/f/{name}/y'], ['GET', '/f/{*rest}']])
    assert.deepEqual(summary(router.lookup('GET', '/f/7/y')), { value: 'GET /f/{name}/y', params: { name: '7' } })
    assert.deepEqual(summary(router.lookup('GET', '/f/7/z')), { value: 'GET /f/{*rest}', params: { rest: '7/z' } })
  })

  it('backtracks past a branch that has the path but not the method', () => {
    const router = routerOf([['POST', '/items/new'], ['GET', '/items/{slug}']])
    assert.deepEqual(summary(router.lookup('GET', '/items/new')), { value: 'GET /items/{slug}', params: { slug: 'new' } })
  })

  it('replaces an equal pattern registered later (parameter names do not matter)', () => {
    const router = new Router<number>()
    router.add('GET', '/users/{id}', 1)
    router.add('GET', '/users/{userId}', 2)
    const result = router.lookup('GET', '/users/x')
    assert.equal(result.kind, 'found')
    assert.deepEqual(result.kind === 'found' && [result.value, result.params, result.pattern], [2, { userId: 'x' }, '/users/{userId}'])
    assert.deepEqual(router.routes(), [{ method: 'GET', pattern: '/users/{userId}' }])
  })

  it('keeps routes of other methods when one method is replaced', () => {
    const router = routerOf([['GET', '/a'], ['POST', '/a']])
    router.add('GET', '/a', 'new')
    assert.deepEqual(summary(router.lookup('GET', '/a')), { value: 'new', params: {} })
    assert.deepEqual(summary(router.lookup('POST', '/a')), { value: 'POST /a', params: {} })
  })
})

describe('Router parameters', () => {
  const router = routerOf([['GET', '/n/{id:int}'], ['GET', '/s/{name}'], ['GET', '/w/{*rest}'], ['GET', '/u/{a}/{b:int}/{*c}']])

  it('reads {name:int} as a number, negative and zero included', () => {
    assert.deepEqual(summary(router.lookup('GET', '/n/-17')), { value: 'GET /n/{id:int}', params: { id: -17 } })
    assert.deepEqual(summary(router.lookup('GET', '/n/007')), { value: 'GET /n/{id:int}', params: { id: 7 } })
    const zero = router.lookup('GET', '/n/-0')
    assert.ok(zero.kind === 'found' && Object.is(zero.params.id, 0))
  })

  it('does not match {name:int} with a non-integer or an unsafe integer', () => {
    for (const bad of ['/n/1.5', '/n/12a', '/n/-', '/n/+3', '/n/9007199254740993', '/n/0x10']) {
      assert.equal(router.lookup('GET', bad).kind, 'not-found', bad)
    }
    assert.deepEqual(summary(router.lookup('GET', '/n/9007199254740991')), { value: 'GET /n/{id:int}', params: { id: 9007199254740991 } })
  })

  it('percent-decodes captured values after splitting, keeping %2F inside one segment', () => {
    assert.deepEqual(summary(router.lookup('GET', '/s/a%2Fb')), { value: 'GET /s/{name}', params: { name: 'a/b' } })
    assert.deepEqual(summary(router.lookup('GET', '/s/caf%C3%A9%20au%20lait')), { value: 'GET /s/{name}', params: { name: 'café au lait' } })
    assert.deepEqual(summary(router.lookup('GET', '/w/a%2fb/c%20d')), { value: 'GET /w/{*rest}', params: { rest: 'a/b/c d' } })
  })

  it('reads an encoded integer as an integer', () => {
    assert.deepEqual(summary(router.lookup('GET', '/n/%34%32')), { value: 'GET /n/{id:int}', params: { id: 42 } })
  })

  it('matches a literal written with escapes of unreserved characters', () => {
    const r = routerOf([['GET', '/users/me'], ['GET', '/users/{name}']])
    assert.deepEqual(summary(r.lookup('GET', '/users/%6De')), { value: 'GET /users/me', params: {} })
    assert.deepEqual(summary(r.lookup('GET', '/users/%6de')), { value: 'GET /users/me', params: {} })
  })

  it('matches a literal with non-ASCII characters against its UTF-8 escapes', () => {
    const r = routerOf([['GET', '/café']])
    assert.deepEqual(summary(r.lookup('GET', '/caf%C3%A9')), { value: 'GET /café', params: {} })
    assert.deepEqual(summary(r.lookup('GET', '/caf%c3%a9')), { value: 'GET /café', params: {} })
  })

  it('answers not-found for a malformed escape or a value that is not UTF-8', () => {
    assert.deepEqual(router.lookup('GET', '/s/%zz'), { kind: 'not-found' })
    assert.deepEqual(router.lookup('GET', '/s/%E9'), { kind: 'not-found' })
    assert.deepEqual(router.lookup('GET', '/s/%'), { kind: 'not-found' })
  })

  it('lets {*name} capture the empty rest, with or without the slash', () => {
    assert.deepEqual(summary(router.lookup('GET', '/w')), { value: 'GET /w/{*rest}', params: { rest: '' } })
    assert.deepEqual(summary(router.lookup('GET', '/w/')), { value: 'GET /w/{*rest}', params: { rest: '' } })
    assert.deepEqual(summary(router.lookup('GET', '/w/dir/')), { value: 'GET /w/{*rest}', params: { rest: 'dir/' } })
  })

  it('captures several parameters of every kind in order', () => {
    assert.deepEqual(summary(router.lookup('GET', '/u/x/5/y/z')), { value: 'GET /u/{a}/{b:int}/{*c}', params: { a: 'x', b: 5, c: 'y/z' } })
  })

  it('never lets {name} capture an empty, "." or ".." segment', () => {
    const r = routerOf([['GET', '/s/{name}/x']])
    for (const path of ['/s//x', '/s/./x', '/s/../x', '/s/%2E%2E/x']) assert.notEqual(r.lookup('GET', path).kind, 'found', path)
  })

  it('gives a route without parameters a frozen empty params object', () => {
    const result = routerOf([['GET', '/health']]).lookup('GET', '/health')
    assert.ok(result.kind === 'found' && Object.isFrozen(result.params) && Object.keys(result.params).length === 0)
  })

  it('compares long literal segments whole, and only at segment boundaries', () => {
    const r = routerOf([['GET', '/a-rather-long-segment-name/x'], ['GET', '/a-rather-long-segment-name-too'], ['GET', '/ab/{rest}']])
    assert.deepEqual(summary(r.lookup('GET', '/a-rather-long-segment-name/x')), { value: 'GET /a-rather-long-segment-name/x', params: {} })
    assert.deepEqual(summary(r.lookup('GET', '/a-rather-long-segment-name-too')), { value: 'GET /a-rather-long-segment-name-too', params: {} })
    assert.equal(r.lookup('GET', '/a-rather-long-segment-nam/x').kind, 'not-found')
    assert.equal(r.lookup('GET', '/a-rather-long-segment-namex/x').kind, 'not-found')
    assert.equal(r.lookup('GET', '/abc/x').kind, 'not-found')
  })

  it('dispatches many literal children sharing first characters', () => {
    const names = ['users', 'uploads', 'u', 'updates', 'usage', 'orders', 'o', 'items', 'invoices', 'id']
    const r = routerOf(names.map((n) => ['GET', `/${n}`] as const))
    for (const n of names) assert.deepEqual(summary(r.lookup('GET', `/${n}`)), { value: `GET /${n}`, params: {} })
    for (const miss of ['/user', '/usersx', '/', '/x', '/i']) assert.equal(r.lookup('GET', miss).kind, 'not-found', miss)
  })

  it('matches the root pattern only for "/"', () => {
    const r = routerOf([['GET', '/']])
    assert.deepEqual(summary(r.lookup('GET', '/')), { value: 'GET /', params: {} })
    assert.equal(r.lookup('GET', '/x').kind, 'not-found')
    assert.equal(r.lookup('GET', '').kind, 'not-found')
  })
})

describe('Router 405, HEAD and OPTIONS', () => {
  const router = routerOf([['GET', '/users/{id:int}'], ['DELETE', '/users/{id:int}'], ['PUT', '/users/{name}'], ['POST', '/users'], ['OPTIONS', '/custom'], ['GET', '/custom'], ['HEAD', '/h'], ['GET', '/h']])

  it('answers method-not-allowed with every method of every matching route', () => {
    assert.deepEqual(router.lookup('PATCH', '/users/42'), { kind: 'method-not-allowed', allow: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PUT'] })
    assert.deepEqual(router.lookup('GET', '/users'), { kind: 'method-not-allowed', allow: ['OPTIONS', 'POST'] })
  })

  it('counts only the routes that match the path in the allow list', () => {
    assert.deepEqual(router.lookup('PATCH', '/users/bob'), { kind: 'method-not-allowed', allow: ['OPTIONS', 'PUT'] })
  })

  it('serves HEAD with the GET route when there is no HEAD route', () => {
    const result = router.lookup('HEAD', '/users/7')
    assert.ok(result.kind === 'found')
    assert.deepEqual([result.value, result.method, result.params], ['GET /users/{id:int}', 'GET', { id: 7 }])
  })

  it('serves HEAD with the HEAD route when there is one', () => {
    assert.deepEqual(summary(router.lookup('HEAD', '/h')), { value: 'HEAD /h', params: {} })
  })

  it('answers OPTIONS from the route table when there is no OPTIONS route', () => {
    assert.deepEqual(router.lookup('OPTIONS', '/users/7'), { kind: 'options', allow: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PUT'] })
  })

  it('leaves OPTIONS to an OPTIONS route when there is one', () => {
    assert.deepEqual(summary(router.lookup('OPTIONS', '/custom')), { value: 'OPTIONS /custom', params: {} })
  })

  it('answers OPTIONS * with every method of the table', () => {
    assert.deepEqual(router.lookup('OPTIONS', '*'), { kind: 'options', allow: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'] })
    assert.deepEqual(router.lookup('GET', '*'), { kind: 'not-found' })
  })

  it('answers not-found (not 405, not OPTIONS) for a path without routes', () => {
    assert.deepEqual(router.lookup('GET', '/nothing'), { kind: 'not-found' })
    assert.deepEqual(router.lookup('OPTIONS', '/nothing'), { kind: 'not-found' })
  })

  it('lists allowed methods for a path, [] when nothing matches', () => {
    assert.deepEqual(router.allowedMethods('/users/9'), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PUT'])
    assert.deepEqual(router.allowedMethods('/custom'), ['GET', 'HEAD', 'OPTIONS'])
    assert.deepEqual(router.allowedMethods('/nothing'), [])
  })

  it('treats methods as case-sensitive tokens', () => {
    assert.deepEqual(router.lookup('get', '/users/7').kind, 'method-not-allowed')
  })
})

describe('Router canonical-path rule (308 redirect)', () => {
  const router = routerOf([['GET', '/users/{id:int}'], ['POST', '/users'], ['GET', '/files/{*path}'], ['GET', '/']])

  it('redirects a trailing slash to the path without it', () => {
    assert.deepEqual(router.lookup('GET', '/users/42/'), { kind: 'redirect', location: '/users/42' })
  })

  it('redirects repeated slashes to single ones', () => {
    assert.deepEqual(router.lookup('GET', '//users///42'), { kind: 'redirect', location: '/users/42' })
  })

  it('never redirects a path with dot segments, raw or percent-encoded: not found', () => {
    for (const path of ['/users/x/../42', '/files/a/%2e%2E/b', '/./users/1', '/users/42/.', '//users/./42/', '/files/%2E/x', '/files/.%2e/x']) {
      assert.deepEqual(router.lookup('GET', path), { kind: 'not-found' }, path)
    }
  })

  it('never redirects a path with a backslash (a Location of /\\evil.com is another host to a browser): not found', () => {
    const r = new Router<string>()
    r.add('GET', '/{code}', 'short link')
    r.add('GET', '/{user}/{repo}', 'repo')
    for (const path of ['/\\evil.com/', '//\\evil.com//', '/\\evil.com/about/', '/\\evil.com//x']) {
      assert.deepEqual(r.lookup('GET', path), { kind: 'not-found' }, path)
    }
    assert.deepEqual(summary(r.lookup('GET', '/\\evil.com')), { value: 'short link', params: { code: '\\evil.com' } })
  })

  it('allows no method for a path whose capture does not decode (it matches nothing)', () => {
    const r = new Router<string>()
    r.add('GET', '/f/{name}', 'f')
    r.add('GET', '/w/{*rest}', 'w')
    for (const path of ['/f/%E9', '/w/a/%E9']) {
      assert.deepEqual(r.lookup('GET', path), { kind: 'not-found' }, path)
      assert.deepEqual(r.lookup('POST', path), { kind: 'not-found' }, path)
      assert.deepEqual(r.lookup('OPTIONS', path), { kind: 'not-found' }, path)
      assert.deepEqual(r.allowedMethods(path), [], path)
    }
    assert.deepEqual(r.lookup('POST', '/f/%C3%A9'), { kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'OPTIONS'] })
  })

  it('redirects whatever the method, when the canonical path has a route for any method', () => {
    assert.deepEqual(router.lookup('POST', '/users/'), { kind: 'redirect', location: '/users' })
    assert.deepEqual(router.lookup('DELETE', '/users/'), { kind: 'redirect', location: '/users' })
  })

  it('does not redirect when the canonical path has no route either', () => {
    assert.deepEqual(router.lookup('GET', '/nope/'), { kind: 'not-found' })
  })

  it('gives a wildcard the rest as sent, trailing and repeated slashes included', () => {
    assert.deepEqual(summary(router.lookup('GET', '/files/dir/')), { value: 'GET /files/{*path}', params: { path: 'dir/' } })
    assert.deepEqual(summary(router.lookup('GET', '/files/a//b')), { value: 'GET /files/{*path}', params: { path: 'a//b' } })
  })

  it('normalizes escapes in the location', () => {
    assert.deepEqual(router.lookup('GET', '/users/%34%32/'), { kind: 'redirect', location: '/users/42' })
  })
})

describe('Router invalid patterns', () => {
  const cases: [string, string][] = [
    ['users', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/users/', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a//b', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/../b', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/%2E', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/%2e%2E/b', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/.%2e', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/{id', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/id}', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/{}', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/{{id}}', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/x{id}', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/{id}.json', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/{1id}', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/{__proto__}', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/{*}', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/%zz', 'PORTICO_ERR_ROUTE_INVALID_PATTERN'],
    ['/a/{id}/{id}', 'PORTICO_ERR_ROUTE_DUPLICATE_PARAM'],
    ['/a/{id:int}/{*id}', 'PORTICO_ERR_ROUTE_DUPLICATE_PARAM'],
    ['/a/{*rest}/b', 'PORTICO_ERR_ROUTE_WILDCARD_NOT_LAST'],
    ['/a/{id:float}', 'PORTICO_ERR_ROUTE_UNKNOWN_PARAM_TYPE'],
    ['/a/{id:}', 'PORTICO_ERR_ROUTE_UNKNOWN_PARAM_TYPE'],
  ]
  for (const [pattern, code] of cases) {
    it(`refuses ${JSON.stringify(pattern)} with ${code}`, () => {
      const router = new Router<number>()
      assert.throws(() => router.add('GET', pattern, 1), (err) => isPorticoError(err, code as 'PORTICO_ERR_ROUTE_INVALID_PATTERN'))
      assert.deepEqual(router.routes(), [])
    })
  }

  it('refuses a pattern of more than 64 segments and takes one of 64', () => {
    const router = new Router<number>()
    const deep = (n: number): string => '/' + Array.from({ length: n }, (_, k) => `{p${k}}`).join('/')
    assert.throws(() => router.add('GET', deep(65), 1), (err) => isPorticoError(err, 'PORTICO_ERR_ROUTE_INVALID_PATTERN'))
    router.add('GET', deep(64), 1)
    const result = router.lookup('GET', '/' + Array(64).fill('x').join('/'))
    assert.ok(result.kind === 'found' && result.params.p63 === 'x')
  })

  it('refuses a method that is not a token', () => {
    for (const method of ['', 'G T', 'GET\r\n']) {
      assert.throws(() => new Router<number>().add(method, '/', 1), (err) => isPorticoError(err, 'PORTICO_ERR_ROUTE_INVALID_METHOD'))
    }
  })
})

describe('Router remove, clear, routes', () => {
  it('removes one method of a pattern and keeps the others', () => {
    const router = routerOf([['GET', '/a/{id}'], ['POST', '/a/{id}']])
    assert.equal(router.remove('GET', '/a/{id}'), true)
    assert.deepEqual(router.lookup('GET', '/a/1'), { kind: 'method-not-allowed', allow: ['OPTIONS', 'POST'] })
    assert.deepEqual(summary(router.lookup('POST', '/a/1')), { value: 'POST /a/{id}', params: { id: '1' } })
  })

  it('tells whether there was a route to remove', () => {
    const router = routerOf([['GET', '/a']])
    assert.equal(router.remove('GET', '/b'), false)
    assert.equal(router.remove('POST', '/a'), false)
    assert.equal(router.remove('GET', 'not a pattern'), false)
    assert.equal(router.remove('GET', '/a'), true)
    assert.equal(router.remove('GET', '/a'), false)
  })

  it('makes a removed route stop matching and uncovers a less specific one', () => {
    const router = routerOf([['GET', '/u/me'], ['GET', '/u/{name}']])
    router.remove('GET', '/u/me')
    assert.deepEqual(summary(router.lookup('GET', '/u/me')), { value: 'GET /u/{name}', params: { name: 'me' } })
    router.remove('GET', '/u/{other}')
    assert.deepEqual(router.lookup('GET', '/u/me'), { kind: 'not-found' })
  })

  it('clears every route', () => {
    const router = routerOf([['GET', '/a'], ['GET', '/b/{*c}']])
    router.lookup('GET', '/a')
    router.clear()
    assert.deepEqual(router.routes(), [])
    assert.deepEqual(router.lookup('GET', '/a'), { kind: 'not-found' })
    router.add('GET', '/a', 'again')
    assert.deepEqual(summary(router.lookup('GET', '/a')), { value: 'again', params: {} })
  })

  it('lists routes in registration order', () => {
    const router = routerOf([['GET', '/a'], ['POST', '/b/{id:int}'], ['GET', '/c/{*r}']])
    assert.deepEqual(router.routes(), [
      { method: 'GET', pattern: '/a' },
      { method: 'POST', pattern: '/b/{id:int}' },
      { method: 'GET', pattern: '/c/{*r}' },
    ])
  })

  it('matches the same after many adds and removes as a router built afresh', () => {
    const router = new Router<string>()
    for (let k = 0; k < 300; k++) router.add('GET', `/r${k}/{id:int}/x${k % 7}`, `v${k}`)
    for (let k = 0; k < 300; k += 2) router.remove('GET', `/r${k}/{id:int}/x${k % 7}`)
    for (let k = 0; k < 300; k++) {
      const result = router.lookup('GET', `/r${k}/5/x${k % 7}`)
      if (k % 2 === 0) assert.equal(result.kind, 'not-found')
      else assert.deepEqual(summary(result), { value: `v${k}`, params: { id: 5 } })
    }
    assert.equal(router.routes().length, 150)
  })
})

describe('Router routes for any method (*)', () => {
  for (const compile of [true, false]) {
    const label = compile ? 'compiled' : 'interpreted'
    /** `routerOf`, compiled or not. */
    const make = (routes: readonly (readonly [string, string])[]): Router<string> => {
      const router = new Router<string>({ compile })
      for (const [method, pattern] of routes) router.add(method, pattern, `${method} ${pattern}`)
      return router
    }
    /** The value, reported method and params of a found lookup, or the lookup itself. */
    const served = (result: RouteLookup<string>): unknown =>
      result.kind === 'found' ? { value: result.value, method: result.method, params: { ...result.params } } : result

    it(`serves every method, custom ones and '*' itself included, reporting method '*' (${label})`, () => {
      const router = make([['*', '/proxy/{*rest}'], ['*', '/ping']])
      for (const method of ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS', 'PURGE', 'M-SEARCH', '*']) {
        assert.deepEqual(served(router.lookup(method, '/proxy/a/b')), { value: '* /proxy/{*rest}', method: '*', params: { rest: 'a/b' } }, method)
        assert.deepEqual(served(router.lookup(method, '/ping')), { value: '* /ping', method: '*', params: {} }, method)
      }
      // A static route answers with its one pre-built result, as for any other method.
      assert.equal(router.lookup('GET', '/ping'), router.lookup('PATCH', '/ping'))
    })

    it(`prefers the route of the request's method over '*' for one pattern, whatever the order (${label})`, () => {
      for (const order of [[['*', '/a/{id:int}'], ['POST', '/a/{n:int}']], [['POST', '/a/{n:int}'], ['*', '/a/{id:int}']]] as const) {
        const router = make(order)
        const post = order.find(([m]) => m === 'POST')![1]
        assert.deepEqual(served(router.lookup('POST', '/a/1')), { value: `POST ${post}`, method: 'POST', params: { n: 1 } })
        const any = order.find(([m]) => m === '*')![1]
        assert.deepEqual(served(router.lookup('GET', '/a/1')), { value: `* ${any}`, method: '*', params: { id: 1 } })
      }
    })

    it(`serves HEAD with the HEAD route, else the GET route, else '*' (${label})`, () => {
      const router = make([['*', '/x'], ['GET', '/x'], ['HEAD', '/x'], ['*', '/y'], ['GET', '/y'], ['*', '/z']])
      assert.deepEqual(served(router.lookup('HEAD', '/x')), { value: 'HEAD /x', method: 'HEAD', params: {} })
      assert.deepEqual(served(router.lookup('HEAD', '/y')), { value: 'GET /y', method: 'GET', params: {} })
      assert.deepEqual(served(router.lookup('HEAD', '/z')), { value: '* /z', method: '*', params: {} })
      router.remove('GET', '/y')
      assert.deepEqual(served(router.lookup('HEAD', '/y')), { value: '* /y', method: '*', params: {} })
    })

    it(`gives the most specific pattern the request, '*' or not (${label})`, () => {
      const router = make([['GET', '/u/{name}'], ['*', '/u/me'], ['*', '/v/{name}'], ['GET', '/v/me'], ['GET', '/w/{id:int}'], ['*', '/w/{*rest}']])
      // A '*' route at a literal beats a GET route at a parameter, for GET and HEAD too.
      assert.deepEqual(served(router.lookup('GET', '/u/me')), { value: '* /u/me', method: '*', params: {} })
      assert.deepEqual(served(router.lookup('HEAD', '/u/me')), { value: '* /u/me', method: '*', params: {} })
      assert.deepEqual(served(router.lookup('GET', '/u/bob')), { value: 'GET /u/{name}', method: 'GET', params: { name: 'bob' } })
      // A GET route at a literal beats a '*' route at a parameter; other methods go on to it.
      assert.deepEqual(served(router.lookup('GET', '/v/me')), { value: 'GET /v/me', method: 'GET', params: {} })
      assert.deepEqual(served(router.lookup('POST', '/v/me')), { value: '* /v/{name}', method: '*', params: { name: 'me' } })
      assert.deepEqual(served(router.lookup('GET', '/w/7')), { value: 'GET /w/{id:int}', method: 'GET', params: { id: 7 } })
      assert.deepEqual(served(router.lookup('PUT', '/w/7')), { value: '* /w/{*rest}', method: '*', params: { rest: '7' } })
    })

    it(`backtracks past a branch without the method to a less specific '*' route, and from a '*' branch that fails deeper (${label})`, () => {
      const router = make([['POST', '/items/new'], ['*', '/items/{slug}'], ['*', '/a/lit/c'], ['GET', '/a/{x}/b']])
      assert.deepEqual(served(router.lookup('GET', '/items/new')), { value: '* /items/{slug}', method: '*', params: { slug: 'new' } })
      assert.deepEqual(served(router.lookup('POST', '/items/new')), { value: 'POST /items/new', method: 'POST', params: {} })
      assert.deepEqual(served(router.lookup('GET', '/a/lit/b')), { value: 'GET /a/{x}/b', method: 'GET', params: { x: 'lit' } })
      assert.deepEqual(served(router.lookup('DELETE', '/a/lit/c')), { value: '* /a/lit/c', method: '*', params: {} })
      assert.deepEqual(router.lookup('DELETE', '/a/lit/b'), { kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'OPTIONS'] })
    })

    it(`never answers 405 or the automatic OPTIONS for a path a '*' route matches; an OPTIONS route still takes OPTIONS (${label})`, () => {
      const router = make([['GET', '/r/{id:int}'], ['*', '/r/{*rest}'], ['*', '/o'], ['OPTIONS', '/o']])
      assert.deepEqual(served(router.lookup('PATCH', '/r/1')), { value: '* /r/{*rest}', method: '*', params: { rest: '1' } })
      assert.deepEqual(served(router.lookup('OPTIONS', '/r/1')), { value: '* /r/{*rest}', method: '*', params: { rest: '1' } })
      assert.deepEqual(served(router.lookup('OPTIONS', '/o')), { value: 'OPTIONS /o', method: 'OPTIONS', params: {} })
      assert.deepEqual(served(router.lookup('TRACE', '/o')), { value: '* /o', method: '*', params: {} })
    })

    it(`lists '*' first in allowedMethods, with the other methods of the matching routes (${label})`, () => {
      const router = make([['GET', '/r/{id:int}'], ['*', '/r/{*rest}'], ['*', '/only'], ['POST', '/p']])
      assert.deepEqual(router.allowedMethods('/r/1'), ['*', 'GET', 'HEAD', 'OPTIONS'])
      assert.deepEqual(router.allowedMethods('/r/x'), ['*', 'OPTIONS'])
      assert.deepEqual(router.allowedMethods('/only'), ['*', 'OPTIONS'])
      assert.deepEqual(router.allowedMethods('/p'), ['OPTIONS', 'POST'])
      assert.deepEqual(router.allowedMethods('/none'), [])
    })

    it(`leaves '*' routes out of the OPTIONS * answer: Allow cannot say "any" (${label})`, () => {
      assert.deepEqual(make([['*', '/a'], ['POST', '/b']]).lookup('OPTIONS', '*'), { kind: 'options', allow: ['OPTIONS', 'POST'] })
      assert.deepEqual(make([['*', '/a']]).lookup('OPTIONS', '*'), { kind: 'options', allow: ['OPTIONS'] })
    })

    it(`redirects to a '*' route's canonical path, and a capture that does not decode still matches nothing (${label})`, () => {
      const router = make([['*', '/users/{name}']])
      assert.deepEqual(router.lookup('PUT', '/users/bob/'), { kind: 'redirect', location: '/users/bob' })
      assert.deepEqual(router.lookup('PUT', '/users/%E9'), { kind: 'not-found' })
      assert.deepEqual(router.allowedMethods('/users/%E9'), [])
      assert.deepEqual(served(router.lookup('PUT', '/users/caf%C3%A9')), { value: '* /users/{name}', method: '*', params: { name: 'café' } })
    })

    it(`removes, replaces and lists '*' routes like any other (${label})`, () => {
      const router = make([['GET', '/a/{id}'], ['*', '/a/{x}'], ['*', '/b']])
      assert.deepEqual(router.routes(), [
        { method: 'GET', pattern: '/a/{id}' },
        { method: '*', pattern: '/a/{x}' },
        { method: '*', pattern: '/b' },
      ])
      router.add('*', '/a/{y}', 'again')
      assert.deepEqual(served(router.lookup('POST', '/a/1')), { value: 'again', method: '*', params: { y: '1' } })
      assert.equal(router.remove('*', '/a/{z}'), true)
      assert.equal(router.remove('*', '/a/{z}'), false)
      assert.deepEqual(router.lookup('POST', '/a/1'), { kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'OPTIONS'] })
      assert.deepEqual(served(router.lookup('GET', '/a/1')), { value: 'GET /a/{id}', method: 'GET', params: { id: '1' } })
      assert.equal(router.remove('*', '/b'), true)
      assert.deepEqual(router.lookup('GET', '/b'), { kind: 'not-found' })
      assert.deepEqual(router.routes(), [{ method: 'GET', pattern: '/a/{id}' }])
    })
  }

  it("takes only '*' itself as any method: '**' and '*GET' are ordinary method tokens", () => {
    const router = routerOf([['**', '/x'], ['*GET', '/y']])
    assert.deepEqual(router.lookup('GET', '/x'), { kind: 'method-not-allowed', allow: ['**', 'OPTIONS'] })
    assert.deepEqual(router.lookup('GET', '/y'), { kind: 'method-not-allowed', allow: ['*GET', 'OPTIONS'] })
    assert.throws(() => new Router<number>().add('* ', '/', 1), (err) => isPorticoError(err, 'PORTICO_ERR_ROUTE_INVALID_METHOD'))
  })
})
