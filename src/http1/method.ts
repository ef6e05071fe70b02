/**
 * The `Method` enum of the seed's HTTPClient (Godot), in TypeScript form: the numbering is the
 * seed's (`METHOD_GET = 0` … `METHOD_MAX = 9`), and {@link methodName} gives the wire token.
 *
 * @example
 * ```ts
 * import { Method, methodName } from 'portico/http1'
 * methodName(Method.POST) // 'POST'
 * ```
 */
export enum Method {
  GET = 0,
  HEAD = 1,
  POST = 2,
  PUT = 3,
  DELETE = 4,
  OPTIONS = 5,
  TRACE = 6,
  CONNECT = 7,
  PATCH = 8,
  /** The size of the enum (as the seed's `METHOD_MAX`). */
  MAX = 9,
}

const NAMES = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH'] as const

/** A method token of the {@link Method} enum. */
export type MethodName = (typeof NAMES)[number]

/**
 * The wire token of a {@link Method} value (or of a method already given as a string).
 *
 * @example
 * ```ts
 * methodName(Method.DELETE) // 'DELETE'
 * methodName('QUERY')       // 'QUERY'
 * ```
 */
export function methodName(method: Method | string): string {
  if (typeof method === 'string') return method
  const name: string | undefined = (NAMES as readonly string[])[method]
  if (name === undefined) throw new RangeError(`not a Method: ${method}`)
  return name
}
