import { it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import '../fixtures/fuzz.js'
import { Router, type RouteLookup } from '../../src/router/router.js'

// A slow, obviously right model of the routing rules (docs/routing.md), checked against the
// compiled router on random tables and paths: every route is tried on its own, and the most
// specific one (literal < int < param < wildcard, segment by segment) wins.

type Kind = 0 | 1 | 2 | 3
interface ModelRoute {
  method: string
  pattern: string
  kinds: Kind[]
  texts: string[]
}

const SEGMENTS = ['a', 'b', 'ab', 'abc', 'c', 'd', 'a-very-long-literal', '{p}', '{n:int}', '{*w}'] as const
const PATH_SEGMENTS = ['a', 'b', 'ab', 'abc', 'c', 'a-very-long-literal', 'a-very-long-literax', '1', '-2', '007', 'x', '', '.', '..', '%61', '%2E%2E', 'x%2Fy', '%31', 'caf%C3%A9', '%ZZ', '%e9']
const METHODS = ['GET', 'POST', 'HEAD']

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
  const forMethod = (m: string) => matching.filter((r) => r.method === m).sort((x, y) => compareKinds(x.kinds, y.kinds))[0]
  // HEAD: at the most specific position, a HEAD route, else a GET route.
  let best = forMethod(method)
  if (method === 'HEAD') {
    const get = forMethod('GET')
    if (get !== undefined && (best === undefined || compareKinds(get.kinds, best.kinds) < 0)) best = get
  }
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
  if (matching.length > 0) return { kind: method === 'OPTIONS' ? 'options' : 'method-not-allowed', allow: allow(new Set(matching.map((r) => r.method))) }
  const segments = path.split('/')
  if (segments.some((s) => s === '.' || s === '..')) return { kind: 'not-found' }
  const canonical = '/' + segments.filter((s) => s !== '').join('/')
  if (canonical !== path && table.some((r) => tryRoute(r, canonical) !== undefined)) return { kind: 'redirect', location: canonical }
  return { kind: 'not-found' }
}

function view(result: RouteLookup<string>): unknown {
  if (result.kind !== 'found') return { ...result }
  return { kind: 'found', pattern: result.pattern, method: result.method, params: { ...result.params } }
}

const routeArb = fc.tuple(fc.constantFrom(...METHODS), fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 3 }))
const pathArb = fc.array(fc.constantFrom(...PATH_SEGMENTS), { maxLength: 4 }).map((segs) => '/' + segs.join('/'))

it('agrees with a route-by-route model of the rules on random tables and paths', () => {
  fc.assert(
    fc.property(fc.array(routeArb, { maxLength: 16 }), fc.array(fc.tuple(fc.constantFrom(...METHODS, 'OPTIONS', 'PUT'), pathArb), { maxLength: 20 }), (specs, requests) => {
      const table = new Map<string, ModelRoute>()
      const router = new Router<string>()
      for (const [method, segments] of specs) {
        const route = modelRoute(method, segments)
        if (route === undefined) continue
        // Later registration of the same shape replaces the earlier one.
        const shape = method + ' ' + route.kinds.map((k, i) => (k === 0 ? route.texts[i] : k)).join('/')
        table.delete(shape)
        table.set(shape, route)
        router.add(method, route.pattern, route.pattern)
      }
      for (const [method, path] of requests) {
        assert.deepEqual(view(router.lookup(method, path)), model([...table.values()], method, path), `${method} ${path}`)
      }
    }),
    { numRuns: 500 },
  )
})
