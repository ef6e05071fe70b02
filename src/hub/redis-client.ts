/**
 * The part of an `ioredis` client the Redis hub and replay store use, and the loader of the
 * optional peer dependency (a dynamic import, so users who do not scale out never install it).
 * @module
 */
import { PorticoError } from '../errors.js'

/** A Redis reply to XRANGE read as buffers: `[id, [field, value, …]]` per entry. */
export type StreamEntries = Array<[Buffer, Buffer[]]>

/**
 * The methods of an `ioredis` `Redis` (or `Cluster`) client that Portico calls. Any ioredis
 * client fits; the type exists so Portico's declarations do not require ioredis.
 */
export interface RedisClientLike {
  readonly status: string
  connect(): Promise<void>
  duplicate(override?: { autoResubscribe?: boolean }): RedisClientLike
  publish(channel: string | Buffer, message: string | Buffer): Promise<number>
  subscribe(...channels: string[]): Promise<unknown>
  unsubscribe(...channels: string[]): Promise<unknown>
  xadd(key: string, ...args: Array<string | Buffer>): Promise<string | null>
  xrevrange(key: string, end: string, start: string, ...rest: Array<string | number>): Promise<Array<[string, string[]]>>
  xrangeBuffer(key: string, start: string, end: string, ...rest: Array<string | number>): Promise<StreamEntries>
  evalsha(sha: string, numKeys: number, ...args: Array<string | Buffer | number>): Promise<unknown>
  eval(script: string, numKeys: number, ...args: Array<string | Buffer | number>): Promise<unknown>
  script(subcommand: 'LOAD', script: string): Promise<unknown>
  quit(): Promise<unknown>
  disconnect(): void
  on(event: string, listener: (...args: any[]) => void): unknown
  off(event: string, listener: (...args: any[]) => void): unknown
  once(event: string, listener: (...args: any[]) => void): unknown
}

/** Constructor of an ioredis client. */
export type RedisConstructor = new (url: string, options: Record<string, unknown>) => RedisClientLike

// A variable specifier keeps TypeScript from resolving the optional package at build time.
const IOREDIS = 'ioredis'

/**
 * Loads `ioredis`, or throws `PORTICO_ERR_HUB_DEPENDENCY_MISSING` with the install command.
 *
 * @example
 * ```ts
 * const Redis = await loadRedis()
 * const client = new Redis('redis://127.0.0.1:6379', { lazyConnect: true })
 * ```
 */
export async function loadRedis(): Promise<RedisConstructor> {
  let mod: { default?: unknown; Redis?: unknown }
  try {
    mod = (await import(IOREDIS)) as { default?: unknown; Redis?: unknown }
  } catch (error) {
    throw new PorticoError('PORTICO_ERR_HUB_DEPENDENCY_MISSING', 'redisHub() needs the optional peer dependency ioredis: npm install ioredis', { cause: error })
  }
  const ctor = mod.Redis ?? mod.default
  if (typeof ctor !== 'function') throw new PorticoError('PORTICO_ERR_HUB_DEPENDENCY_MISSING', 'The installed ioredis exports no Redis class')
  return ctor as RedisConstructor
}

/** Resolves once the client is ready; rejects after `timeoutMs` with the last connection error. */
export function whenReady(client: RedisClientLike, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve()
  return new Promise((resolve, reject) => {
    let lastError: unknown
    const onError = (error: unknown): void => {
      lastError = error
    }
    const done = (): void => {
      clearTimeout(timer)
      client.off('ready', onReady)
      client.off('error', onError)
    }
    const onReady = (): void => {
      done()
      resolve()
    }
    const timer = setTimeout(() => {
      done()
      reject(lastError ?? new Error(`Redis not ready after ${timeoutMs} ms`))
    }, timeoutMs)
    client.on('error', onError)
    client.once('ready', onReady)
    if (client.status === 'wait') client.connect().catch(() => {})
  })
}
