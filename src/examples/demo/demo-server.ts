/**
 * The demo server (`portico demo`, `npm start`): every Portico feature on one port — the home
 * page, the seed's REST API with CORS, static files with listings, compression (br/gzip), SSE, the WebSocket chat
 * and the request logger.
 * @module
 */
import { mountChat } from '../chat/chat-server.js'
import { compress } from '../../middleware/compress.js'
import { cors } from '../../middleware/cors.js'
import { escapeHtml } from '../../middleware/listing-render.js'
import { logger } from '../../middleware/logger.js'
import { mountStatic } from '../../middleware/mount-static.js'
import type { PorticoRequest } from '../../server/request.js'
import type { PorticoResponse } from '../../server/response.js'
import { createServer, type Server } from '../../server/server.js'
import { mountApi } from './api-routes.js'
import { HOME_HTML } from './home-page.js'
import { createSampleFiles } from './sample-files.js'
import { mountSseDemo } from './sse-demo.js'

/** Options of {@link createDemoServer}. */
export interface DemoOptions {
  /** Where request log lines go; `null` turns the logger off. Default: stdout. */
  log?: ((line: string) => void) | null
}

/**
 * Builds the demo server (not yet listening); its sample files live in a temporary directory
 * removed when the server stops.
 *
 * @example
 * ```ts
 * const server = await createDemoServer()
 * await server.listen(8080, '127.0.0.1')
 * ```
 */
export async function createDemoServer(options: DemoOptions = {}): Promise<Server> {
  const server = createServer()
  const log = options.log === undefined ? (line: string) => void process.stdout.write(`${line}\n`) : options.log
  if (log !== null) {
    const stream = { write: (line: string) => log(line.replace(/\n$/, '')), isTTY: process.stdout.isTTY === true }
    server.use(logger<PorticoRequest<any>, PorticoResponse>({ format: 'pretty', stream }), { stage: 'encoding' })
  }
  server.use(compress(), { stage: 'encoding' })
  const apiCors = cors({ origin: '*', maxAge: 600 })
  server.use((req: PorticoRequest<any>, res: PorticoResponse, next: () => Promise<void>) =>
    req.path === '/api' || req.path.startsWith('/api/') ? apiCors(req, res, next) : next(),
  )
  server.get('/', (req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8')
    res.send(HOME_HTML.replaceAll('HOST', escapeHtml(req.getHeader('host') ?? '127.0.0.1:8080')))
  })
  mountApi(server)
  mountSseDemo(server)
  mountChat(server, { pagePaths: ['/chat'], wsPath: '/chat/ws' })
  const files = await createSampleFiles()
  mountStatic(server, '/files', files.dir, { listing: true })
  server.onStop(() => files.remove())
  server.on('serverError', (message: string, error: unknown) => log?.(`error: ${message}: ${(error as Error)?.message ?? String(error)}`))
  return server
}
