import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isPorticoError } from '../../src/errors.js'
import { createServer } from '../../src/server/index.js'

describe('the request-target: path, query and what is not part of them', () => {
  it('RFC 3986 §3.2: an absolute-form authority ends at "?", so http://h?next=/admin routes to /', async () => {
    const s = createServer()
    s.get('/', (req) => `root ${req.getQueryParam('next')}`)
    s.get('/admin', () => 'ADMIN AREA')
    assert.equal((await s.inject({ url: 'http://h.example?next=/admin' })).body.toString(), 'root /admin')
    assert.equal((await s.inject({ url: 'http://h.example/admin?x=/' })).body.toString(), 'ADMIN AREA')
  })

  it('RFC 9112 §3.2: a fragment is not part of the path or the query', async () => {
    const s = createServer()
    s.get('/users/{id:int}', (req) => `int ${req.params.id} ${JSON.stringify(req.query)} ${req.search}`)
    s.get('/users/{name}', (req) => `name ${req.params.name}`)
    assert.equal((await s.inject({ url: '/users/42#top' })).body.toString(), 'int 42 {} ')
    assert.equal((await s.inject({ url: '/users/42?tab=1#top' })).body.toString(), 'int 42 {"tab":"1"} ?tab=1')
    assert.equal((await s.inject({ url: '/users/42#a?b=c' })).body.toString(), 'int 42 {} ')
  })

  it('a canonical redirect keeps the query and drops the fragment', async () => {
    const s = createServer()
    s.get('/a', () => 'a')
    const r = await s.inject({ url: '/a/?x=1#frag' })
    assert.equal(r.statusCode, 308)
    assert.equal(r.headers.location, '/a?x=1')
  })

  it('getPathParam answers only the route\'s own parameters, never Object.prototype\'s', async () => {
    const s = createServer()
    s.get('/plain', (req) => JSON.stringify([req.getPathParam('constructor') ?? null, req.getPathParam('toString') ?? null]))
    s.get('/p/{id}', (req) => JSON.stringify([req.getPathParam('id'), req.getPathParam('valueOf') ?? null, req.getPathParam('hasOwnProperty') ?? null]))
    assert.equal((await s.inject({ url: '/plain' })).body.toString(), '[null,null]')
    assert.equal((await s.inject({ url: '/p/7' })).body.toString(), '["7",null,null]')
  })

  it('registerRoute refuses a method the parser answers with 501 (the route could never run)', () => {
    const s = createServer()
    assert.throws(() => s.registerRoute('FOO', '/c', () => 'x'), (err) => isPorticoError(err, 'PORTICO_ERR_ROUTE_INVALID_METHOD'))
    assert.throws(() => s.registerRoute('G T', '/c', () => 'x'), (err) => isPorticoError(err, 'PORTICO_ERR_ROUTE_INVALID_METHOD'))
    s.registerRoute('purge', '/c', () => 'purged')
    s.registerRoute('M-SEARCH', '/c', () => 'found')
    s.registerRoute('QUERY', '/c', () => 'queried')
  })
})
