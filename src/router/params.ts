/**
 * Path parameters typed from the route pattern string, with template-literal types: the idea of
 * tiny_httpd's typed `Route` combinators (`exact "users" @/ int @/ string @/ return`), written
 * as the pattern itself.
 *
 * - `{name}` gives `name: string`
 * - `{name:int}` gives `name: number`
 * - `{*name}` gives `name: string` (the rest of the path, possibly empty)
 *
 * A pattern typed only as `string` (not a literal) gives `Record<string, string | number>`.
 * @module
 */

/** Flattens an intersection of objects into one object type (for readable hovers). */
type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** The type one `{…}` placeholder contributes, from the text between its braces. */
type Placeholder<Inner extends string> = Inner extends `*${infer Name}`
  ? { [K in Name]: string }
  : Inner extends `${infer Name}:int`
    ? { [K in Name]: number }
    : Inner extends `${infer Name}:${string}`
      ? { [K in Name]: never }
      : { [K in Inner]: string }

/** Walks the pattern left to right, one placeholder at a time. */
type Collect<P extends string> = P extends `${string}{${infer Inner}}${infer Rest}`
  ? Placeholder<Inner> & Collect<Rest>
  : unknown

/**
 * The parameters a route pattern captures, typed from the pattern string.
 * An unknown placeholder type (`{x:float}`, refused at registration) types its key as `never`.
 *
 * @example
 * ```ts
 * type P = PathParams<'/users/{id:int}/posts/{slug}'>   // { id: number; slug: string }
 * type F = PathParams<'/static/{*path}'>                  // { path: string }
 * type N = PathParams<'/health'>                          // {}
 * ```
 */
export type PathParams<P extends string> = string extends P ? Record<string, string | number> : Simplify<Collect<P>>

/**
 * The parameter names of a pattern, as a union of string literals.
 *
 * @example
 * ```ts
 * type K = PathParamName<'/users/{id:int}/posts/{slug}'>   // 'id' | 'slug'
 * ```
 */
export type PathParamName<P extends string> = keyof PathParams<P> & string
