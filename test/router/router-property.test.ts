import { it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import '../fixtures/fuzz.js'
import { Router, type RouteLookup } from '../../src/router/router.js'

// A slow, obviously right model of the routing rules (docs/routing.md), checked against the
// compiled router and the interpreted one (`compile: false`) on random tables and paths: every
// route is tried on its own, and the most specific one (literal < int < param < wildcard,
// segment by segment) wins; between routes of one pattern, the request's own method wins over
// GET (for HEAD), which wins over '*' (any method).

type Kind = 0 | 1 | 2 | 3
interface ModelRoute {
  method: string
  pattern: string
  kinds: Kind[]
  texts: string[]
}

const SEGMENTS = ['a', 'b', 'ab', 'abc', 'c', 'd', 'a-very-long-literal', '{p}', '{n:int}', '{*w}'] as const
const PATH_SEGMENTS = ['a', 'b', 'ab', 'abc', 'c', 'a-very-long-literal', 'a-very-long-literax', '1', '-2', '007', 'x', '', '.', '..', '%61', '%2E%2E', 'x%2Fy', '%31', 'caf%C3%A9', '%ZZ', '%e9']
const METHODS = ['GET', 'POST', 'HEAD', '*']

function modelRoute(method: string, segments: string[]): ModelRoute | undefined {
  const names = ['p', 'n', 'w']
  const kinds: Kind[] = []
  const texts: string[] = []
  let k = 0
  for (const [i, s] of segments.entries()) {
    if (s === '{*w}' && i !== segments.length - 1) return undefined
    const kind: Kind = s === '{p}' ? 2 : s === '{n:int}' ? 1 : s === '{*w}' ? 3 : 0
    kinds.push(kind)
    texts.push(kind === 0 ? s : `${names[kind - 1]}${k++}`)
  }
  const pattern = '/' + segments.map((s, i) => (kinds[i] === 0 ? s : kinds[i] === 3 ? `{*${texts[i]}}` : kinds[i] === 1 ? `{${texts[i]}:int}` : `{${texts[i]}}`)).join('/')
  return { method, pattern, kinds, texts }
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

function normalize(path: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(path)) return undefined
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16))
    return /[A-Za-z0-9\-._~]/.test(c) ? c : '%' + hex.toUpperCase()
  })
}

/** Params when `route` matches the (normalized) path, else undefined. Values raw. */
function tryRoute(route: ModelRoute, path: string): Record<string, string | number> | undefined {
  const segs = path === '/' ? [] : path.slice(1).split('/')
  const params: Record<string, string | number> = {}
  for (let i = 0; i < route.kinds.length; i++) {
    const kind = route.kinds[i]
    if (kind === 3) {
      const rest = segs.slice(i).join('/')
      if (rest.split('/').some((s) => s === '.' || s === '..')) return undefined
      params[route.texts[i]] = rest
      return params
    }
    const seg = segs[i]
    if (seg === undefined || seg === '' || seg === '.' || seg === '..') return undefined
    if (kind === 0 && seg !== route.texts[i]) return undefined
    if (kind === 1) {
      if (!/^-?[0-9]+$/.test(seg) || !Number.isSafeInteger(Number(seg))) return undefined
      params[route.texts[i]] = Number(seg) === 0 ? 0 : Number(seg)
    }
    if (kind === 2) params[route.texts[i]] = seg
  }
  return segs.length === route.kinds.length ? params : undefined
}

/** Whether `route` matches the path with every capture decodable (a capture that is not matches nothing). */
function fits(route: ModelRoute, path: string): boolean {
  const params = tryRoute(route, path)
  return params !== undefined && Object.values(params).every((v) => typeof v !== 'string' || decode(v) !== undefined)
}

function compareKinds(a: Kind[], b: Kind[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

function allow(methods: Set<string>): string[] {
  if (methods.has('GET')) methods.add('HEAD')
  methods.add('OPTIONS')
  return [...methods].sort()
}

function model(table: ModelRoute[], method: string, raw: string): unknown {
  const path = normalize(raw)
  if (path === undefined) return { kind: 'not-found' }
  const matching = table.filter((r) => tryRoute(r, path) !== undefined)
  // The routes that take the method, by rank: its own, GET for HEAD, then '*' (any method).
  const rank = (r: ModelRoute): number => (r.method === method ? 0 : method === 'HEAD' && r.method === 'GET' ? 1 : r.method === '*' ? 2 : -1)
  // The most specific pattern first; for one pattern, the best rank.
  const best = matching.filter((r) => rank(r) >= 0).sort((x, y) => compareKinds(x.kinds, y.kinds) || rank(x) - rank(y))[0]
  if (best !== undefined) {
    const params = tryRoute(best, path) as Record<string, string | number>
    for (const key of Object.keys(params)) {
      const value = params[key]
      if (typeof value === 'string') {
        const decoded = decode(value)
        if (decoded === undefined) return { kind: 'not-found' }
        params[key] = decoded
      }
    }
    return { kind: 'found', pattern: best.pattern, method: best.method, params }
  }
  const allowing = matching.filter((r) => fits(r, path))
  if (allowing.length > 0) return { kind: method === 'OPTIONS' ? 'options' : 'method-not-allowed', allow: allow(new Set(allowing.map((r) => r.method))) }
  const segments = path.split('/')
  if (segments.some((s) => s === '.' || s === '..')) return { kind: 'not-found' }
  const canonical = '/' + segments.filter((s) => s !== '').join('/')
  if (canonical !== path && table.some((r) => fits(r, canonical))) return { kind: 'redirect', location: canonical }
  return { kind: 'not-found' }
}

/** `allowedMethods(path)`: the methods of every route that fits the path ('*' included), or []. */
function modelAllowed(table: ModelRoute[], raw: string): string[] {
  const path = normalize(raw)
  if (path === undefined) return []
  const methods = new Set(table.filter((r) => fits(r, path)).map((r) => r.method))
  return methods.size === 0 ? [] : allow(methods)
}

function view(result: RouteLookup<string>): unknown {
  if (result.kind !== 'found') return { ...result }
  return { kind: 'found', pattern: result.pattern, method: result.method, params: { ...result.params } }
}

const routeArb = fc.tuple(fc.constantFrom(...METHODS), fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 3 }))
const pathArb = fc.array(fc.constantFrom(...PATH_SEGMENTS), { maxLength: 4 }).map((segs) => '/' + segs.join('/'))
// '*' as a request method too: a token, served by '*' routes like any other method.
const requestMethodArb = fc.constantFrom(...METHODS, 'OPTIONS', 'PUT')
/** A request path, or one aimed at a route of the table (see aimedPath): which route, fillers, mask, tail. */
type Target = string | readonly [number, string[], number, string]
const aimArb = fc.tuple(fc.nat(), fc.array(fc.constantFrom(...PATH_SEGMENTS), { minLength: 4, maxLength: 4 }), fc.nat(1023), fc.constantFrom('', '', '/', '//', '/.', '/x'))

/**
 * A request path aimed at a route's segments: a literal kept (or, 1 in 8, replaced), a
 * parameter filled from `fill`, a wildcard given 0–2 segments, then `tail` (`''`, `/`, `//`, …).
 */
function aimedPath(segments: readonly string[], fill: readonly string[], mask: number, tail: string): string {
  const out: string[] = []
  segments.forEach((s, k) => {
    if (s === '{*w}') out.push(...fill.slice(k, k + (mask % 3)))
    else if (s.startsWith('{') || ((mask >> k) & 7) === 7) out.push(fill[k])
    else out.push(s)
  })
  return '/' + out.join('/') + tail
}

for (const compile of [true, false]) {
  const label = compile ? 'compiled' : 'interpreted'
  // Random paths rarely hit a route with parameters; aimed ones mostly do, or nearly do.
  for (const aimed of [false, true]) {
    const targetArb = aimed ? aimArb.map((aim): Target => aim) : pathArb.map((path): Target => path)
    const requestArb = fc.tuple(requestMethodArb, targetArb)
    it(`agrees with a route-by-route model of the rules on random tables and ${aimed ? 'aimed' : 'random'} paths (${label})`, () => {
      fc.assert(
        fc.property(fc.array(routeArb, { maxLength: 16 }), fc.array(requestArb, { maxLength: 20 }), (specs, requests) => {
          const table = new Map<string, ModelRoute>()
          const router = new Router<string>({ compile })
          const added: string[][] = []
          for (const [method, segments] of specs) {
            const route = modelRoute(method, segments)
            if (route === undefined) continue
            // Later registration of the same shape replaces the earlier one.
            const shape = method + ' ' + route.kinds.map((k, i) => (k === 0 ? route.texts[i] : k)).join('/')
            table.delete(shape)
            table.set(shape, route)
            router.add(method, route.pattern, route.pattern)
            added.push(segments)
          }
          for (const [method, target] of requests) {
            let path: string
            if (typeof target === 'string') path = target
            else {
              const [pick, fill, mask, tail] = target
              path = aimedPath(added.length > 0 ? added[pick % added.length] : [], fill, mask, tail)
            }
            assert.deepEqual(view(router.lookup(method, path)), model([...table.values()], method, path), `${method} ${path}`)
            assert.deepEqual(router.allowedMethods(path), modelAllowed([...table.values()], path), `allowed ${path}`)
          }
        }),
        { numRuns: 500 },
      )
    })
  }
}

// The two matchers against each other, on what the model leaves out: wide nodes (a Map of
// literals, a switch on the first character), deep tables (generated code split into
// functions), removals, escapes in patterns, and every answer's full shape.
const WIDE_LITERALS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'ab', 'abc', 'a-very-long-literal', 'caf%C3%A9', 'café', '%2Ex', '~u', '%7Eu']
const WIDE_SEGMENTS = [...WIDE_LITERALS, '{p}', '{n:int}', '{*w}']
const WIDE_PATH_SEGMENTS = [...WIDE_LITERALS, 'A', '1', '-2', '-0', '007', '9007199254740991', '9007199254740992', 'x', '', '.', '..', '%2e', '%2E%2E', '%61', 'x%2Fy', '%ZZ', '%E9', '%7e', 'caf%c3%a9']
const WIDE_METHODS = ['GET', 'POST', 'HEAD', 'OPTIONS', 'DELETE', '*']

/** A pattern from segments, parameters numbered so that names stay unique; undefined if refused. */
function widePattern(segments: readonly string[]): string | undefined {
  if (segments.slice(0, -1).includes('{*w}')) return undefined
  return '/' + segments.map((s, k) => (s.startsWith('{') ? s.replace(/^\{(\*?)([a-z])/, `{$1$2${k}`) : s)).join('/')
}

it('the compiled and the interpreted matcher give the same answer to every request', () => {
  const segmentsArb = fc.array(fc.constantFrom(...WIDE_SEGMENTS), { maxLength: 6 })
  // Mostly additions; a removal takes out an earlier route (or a pattern never added).
  const op = fc.tuple(fc.nat(9), fc.constantFrom(...WIDE_METHODS), segmentsArb, fc.nat())
  const plain = fc.constantFrom('x', 'y1', '1', '-2', '007', 'a', 'ab')
  const fill = fc.array(fc.oneof({ weight: 3, arbitrary: plain }, { weight: 2, arbitrary: fc.constantFrom(...WIDE_PATH_SEGMENTS) }), { minLength: 8, maxLength: 8 })
  const request = fc.tuple(fc.constantFrom(...WIDE_METHODS, 'PUT'), fc.nat(), fill, fc.nat(1023), fc.constantFrom('', '', '', '/', '//', '/x', '/.'))
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60, size: 'medium' }), fc.array(request, { minLength: 1, maxLength: 40, size: 'medium' }), (ops, requests) => {
      const compiled = new Router<string>()
      const interpreted = new Router<string>({ compile: false })
      const added: [string, string, string[]][] = []
      for (const [roll, method, segments, pick] of ops) {
        const pattern = widePattern(segments)
        if (pattern === undefined) continue
        if (roll === 0) {
          const [m, p] = added.length > 0 && pick % 4 !== 0 ? added[pick % added.length] : [method, pattern]
          assert.equal(compiled.remove(m, p), interpreted.remove(m, p), `remove ${m} ${p}`)
        } else {
          for (const router of [compiled, interpreted]) router.add(method, pattern, `${method} ${pattern}`)
          added.push([method, pattern, segments])
        }
      }
      for (const [method, pick, segments, mask, tail] of requests) {
        const aim = added.length > 0 ? added[pick % added.length][2] : []
        const path = pick % 5 === 0 ? '/' + segments.slice(0, pick % 7).join('/') : aimedPath(aim, segments, mask, tail)
        assert.deepEqual(interpreted.lookup(method, path), compiled.lookup(method, path), `${method} ${path}`)
        assert.deepEqual(interpreted.allowedMethods(path), compiled.allowedMethods(path), `allowed ${path}`)
      }
    }),
    { numRuns: 300 },
  )
})
