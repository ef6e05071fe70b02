/**
 * `portico/server`: the HTTP/1.1 server engine and the seed's whole HTTPServer API. The engine
 * itself lives in `src/server/` and knows nothing of the features built on it; this entry adds
 * them, so that `import { HTTPServer } from 'portico/server'` has every seed method
 * (`setStaticDirectory`, `setCorsEnabled`, `sendSseEvent`, `closeSseConnection`, …) and
 * `res.startSSE()`, `res.sendFile()`, `res.upgradeWebSocket()`, `server.ws()`.
 *
 * @example
 * ```ts
 * import { HTTPServer } from 'portico/server'
 * HTTPServer.setStaticDirectory('./public')
 * HTTPServer.setCorsEnabled(true)
 * await HTTPServer.listen(8080)
 * ```
 * @module
 */
import '../middleware/install.js'
import '../sse/install.js'
import '../websocket/install.js'
export * from '../server/index.js'
