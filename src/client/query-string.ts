/**
 * `queryStringFromDict` of the seed's HTTPClient: an `application/x-www-form-urlencoded` style
 * string from a record.
 * @module
 */

/** A value of a field given to {@link queryStringFromDict}. */
export type QueryValue = string | number | boolean | bigint | null | undefined
/**
 * The fields given to {@link queryStringFromDict}: a value, or an array for a repeated key.
 *
 * @example
 * ```ts
 * const fields: QueryFields = { q: 'portico', page: 2, tag: ['a', 'b'], flag: null }
 * ```
 */
export type QueryFields = Readonly<Record<string, QueryValue | readonly QueryValue[]>>

/**
 * Builds a query string as the seed describes: `key=value` pairs joined with `&`, keys and
 * values percent-encoded (`encodeURIComponent`); a `null` (or `undefined`) value gives the bare
 * key without `=`; an array gives one pair per element, with the same key.
 *
 * @example
 * ```ts
 * queryStringFromDict({ username: 'user', password: 'pass' })
 * // 'username=user&password=pass'
 * queryStringFromDict({ single: 123, not_valued: null, multiple: [22, 33, 44] })
 * // 'single=123&not_valued&multiple=22&multiple=33&multiple=44'
 * ```
 */
export function queryStringFromDict(fields: QueryFields): string {
  const parts: string[] = []
  for (const key of Object.keys(fields)) {
    const value = fields[key]
    const name = encodeURIComponent(key)
    if (Array.isArray(value)) {
      for (const v of value as readonly QueryValue[]) parts.push(pair(name, v))
    } else {
      parts.push(pair(name, value as QueryValue))
    }
  }
  return parts.join('&')
}

function pair(name: string, value: QueryValue): string {
  if (value === null || value === undefined) return name
  return name + '=' + encodeURIComponent(String(value))
}
