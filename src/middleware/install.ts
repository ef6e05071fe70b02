/**
 * Adds the seed's static-file and CORS methods to every `Server`, and `sendFile` to every
 * response, by module augmentation (the server layer never imports this one). Importing
 * `portico` (the root entry) installs them.
 * @module
 */
import { realpath } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { HttpError } from '../errors.js'
import { PorticoResponse } from '../server/response.js'
import { Server } from '../server/server.js'
import { answeredMeanwhile, applyCors, applyCorsNow } from './cors.js'
import { CorsPolicy, type CorsOptions } from './cors-policy.js'
import { mountStatic, type MountOptions } from './mount-static.js'
import { isInside } from './safe-path.js'
import { sendFileAt, type SendFileOptions } from './send-file.js'

/** Options of `res.sendFile`. */
export interface SendFileCallOptions extends SendFileOptions {
  /** Resolve a relative `path` below this directory (and refuse to leave it). */
  readonly root?: string
}

declare module '../server/server.js' {
  interface Server {
    /** Serves the files of `path` at `/` (the seed's `set_static_directory`); `''` stops serving. */
    setStaticDirectory(path: string): void
    /** The directory served at `/`, or `''`. */
    getStaticDirectory(): string
    /** Lists directories without an index file (the seed's `enable_directory_listing`). */
    enableDirectoryListing(enable: boolean): void
    /** Whether directories are listed. */
    isDirectoryListingEnabled(): boolean
    /** Adds CORS headers to responses and answers preflights (the seed's `set_cors_enabled`). */
    setCorsEnabled(enabled: boolean): void
    /** Whether CORS is on. */
    isCorsEnabled(): boolean
    /** The allowed origin: `'*'` or one origin (the seed's `set_cors_origin`); the other options of `cors()` stay. */
    setCorsOrigin(origin: string): void
    /** The allowed origin as set (default `'*'`). */
    getCorsOrigin(): string
    /** Turns CORS on with the full set of options (origin list or function, credentials…). */
    cors(options?: CorsOptions): this
    /** Serves `dir` at `prefix` (GET/HEAD; PUT and DELETE when asked). */
    serveStatic(prefix: string, dir: string, options?: MountOptions): this
  }
}

declare module '../server/response.js' {
  interface PorticoResponse {
    /**
     * Answers with a file: type, validators, 304/412, ranges, precompressed siblings,
     * streamed. Rejects with `HttpError(404)` when there is no such file (403 when refused).
     */
    sendFile(path: string, options?: SendFileCallOptions): Promise<void>
  }
}

interface WebState {
  staticDir: string
  unmountStatic: (() => void) | undefined
  listing: boolean
  corsEnabled: boolean
  corsOrigin: string
  policy: CorsPolicy
  corsInstalled: boolean
}

const STATE = Symbol('portico.middleware')

function stateOf(server: Server): WebState {
  let s = server.extensions.get(STATE) as WebState | undefined
  if (s === undefined) {
    s = { staticDir: '', unmountStatic: undefined, listing: false, corsEnabled: false, corsOrigin: '*', policy: new CorsPolicy(), corsInstalled: false }
    server.extensions.set(STATE, s)
  }
  return s
}

/**
 * Installs CORS once per server: a middleware at the `'encoding'` stage (preflights, and the
 * headers of every answer that goes through the middlewares, unmatched requests included),
 * plus a response-head hook for the engine's own answers that no middleware saw (413 from
 * `Content-Length`, 503 from a full queue, a refused `accept`).
 */
function installCors(server: Server, state: WebState): void {
  if (state.corsInstalled) return
  state.corsInstalled = true
  server.onResponseHead((req, res) => {
    if (state.corsEnabled) applyCorsNow(state.policy, req, res)
  })
  server.use(
    async (req, res, next) => {
      if (!state.corsEnabled) return next()
      if ((await applyCors(state.policy, req, res)) || answeredMeanwhile(res)) return
      return next()
    },
    { stage: 'encoding' },
  )
}

Server.prototype.setStaticDirectory = function setStaticDirectory(this: Server, path: string): void {
  const state = stateOf(this)
  state.unmountStatic?.()
  state.unmountStatic = undefined
  state.staticDir = path
  if (path === '') return
  state.unmountStatic = mountStatic(this, '/', path, { listing: () => state.listing })
}

Server.prototype.getStaticDirectory = function getStaticDirectory(this: Server): string {
  return stateOf(this).staticDir
}

Server.prototype.enableDirectoryListing = function enableDirectoryListing(this: Server, enable: boolean): void {
  stateOf(this).listing = enable
}

Server.prototype.isDirectoryListingEnabled = function isDirectoryListingEnabled(this: Server): boolean {
  return stateOf(this).listing
}

Server.prototype.setCorsEnabled = function setCorsEnabled(this: Server, enabled: boolean): void {
  const state = stateOf(this)
  state.corsEnabled = enabled
  if (enabled) installCors(this, state)
}

Server.prototype.isCorsEnabled = function isCorsEnabled(this: Server): boolean {
  return stateOf(this).corsEnabled
}

Server.prototype.setCorsOrigin = function setCorsOrigin(this: Server, origin: string): void {
  const state = stateOf(this)
  state.corsOrigin = origin
  // Only the origin changes: credentials, exposed headers, max-age… set by cors() stay.
  state.policy = new CorsPolicy({ ...state.policy.options, origin })
}

Server.prototype.getCorsOrigin = function getCorsOrigin(this: Server): string {
  return stateOf(this).corsOrigin
}

Server.prototype.cors = function cors(this: Server, options: CorsOptions = {}): Server {
  const state = stateOf(this)
  state.policy = new CorsPolicy(options)
  if (typeof options.origin === 'string') state.corsOrigin = options.origin
  state.corsEnabled = true
  installCors(this, state)
  return this
}

Server.prototype.serveStatic = function serveStatic(this: Server, prefix: string, dir: string, options: MountOptions = {}): Server {
  mountStatic(this, prefix, dir, options)
  return this
}

// Tracked before its first await: a handler that does not await it still answers with the file.
PorticoResponse.prototype.sendFile = function sendFile(this: PorticoResponse, path: string, options: SendFileCallOptions = {}): Promise<void> {
  return this.track(sendFileFrom(this, path, options))
}

async function sendFileFrom(res: PorticoResponse, path: string, options: SendFileCallOptions): Promise<void> {
  if (path.includes('\0')) throw new HttpError(403, 'Forbidden')
  let absolute: string
  let realRoot: string | undefined
  if (options.root !== undefined) {
    const root = resolve(options.root)
    absolute = resolve(root, path)
    if (!isInside(root, absolute) || path.split(/[\\/]/).includes('..')) throw new HttpError(403, 'Forbidden')
    realRoot = await realpath(root).catch(() => undefined)
    if (realRoot === undefined) throw new HttpError(404, 'Not Found')
  } else {
    if (!isAbsolute(path)) throw new TypeError('res.sendFile needs an absolute path or a root option')
    absolute = path
  }
  const real = await realpath(absolute).catch(() => undefined)
  if (real === undefined || (realRoot !== undefined && !isInside(realRoot, real))) throw new HttpError(404, 'Not Found')
  const outcome = await sendFileAt(res.req, res, real, options)
  if (outcome === 'forbidden') throw new HttpError(403, 'Forbidden')
  if (outcome !== 'sent') throw new HttpError(404, 'Not Found')
}
