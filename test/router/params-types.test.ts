// Type tests: this file is type-checked by `npm test` (tsc over test/); a wrong PathParams
// type fails the build. The runtime test below only keeps it in the test run.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import type { PathParamName, PathParams } from '../../src/router/params.js'

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false
function expectType<T extends true>(value: T): T {
  return value
}

expectType<Equal<PathParams<'/users/{id:int}/posts/{slug}'>, { id: number; slug: string }>>(true)
expectType<Equal<PathParams<'/static/{*path}'>, { path: string }>>(true)
expectType<Equal<PathParams<'/u/{a}/{b:int}/{*rest}'>, { a: string; b: number; rest: string }>>(true)
expectType<Equal<PathParams<'/health'>, {}>>(true)
expectType<Equal<PathParams<'/'>, {}>>(true)
expectType<Equal<PathParams<string>, Record<string, string | number>>>(true)
expectType<Equal<PathParamName<'/users/{id:int}/posts/{slug}'>, 'id' | 'slug'>>(true)
// An unknown type (refused at registration) gives `never`, so no value fits.
expectType<Equal<PathParams<'/a/{x:float}'>, { x: never }>>(true)

/** What a server's `get` does with the pattern: the handler's params are typed from it. */
function get<P extends string>(pattern: P, handler: (params: PathParams<P>) => unknown): [string, typeof handler] {
  return [pattern, handler]
}

get('/users/{id:int}/posts/{slug}', (params) => {
  const id: number = params.id
  const slug: string = params.slug
  // @ts-expect-error: id is a number, not a string
  const wrong: string = params.id
  // @ts-expect-error: no such parameter in the pattern
  void params.missing
  return [id, slug, wrong]
})

// @ts-expect-error: {id:int} gives a number; a string does not fit
const notANumber: PathParams<'/users/{id:int}'> = { id: '42' }

// @ts-expect-error: slug is required
const missingSlug: PathParams<'/users/{id:int}/posts/{slug}'> = { id: 1 }

it('types path parameters from the pattern string (checked by tsc)', () => {
  const params: PathParams<'/users/{id:int}/posts/{slug}'> = { id: 42, slug: 'hello' }
  assert.equal(params.id + 1, 43)
  assert.deepEqual([notANumber, missingSlug].length, 2)
})
