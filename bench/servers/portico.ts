/**
 * Benchmark server: Portico with its defaults. `GET /` → "Hello, World!", `GET /users/{id}` →
 * `{"id":"<id>"}`, plus the harness's extra REST routes (registered first, as the others do).
 *
 * Run: `node build/bench/servers/portico.js <port> [routes]`; prints `ready` once listening.
 */
import { createServer } from '../../src/server/index.js'
import { extraRouteBody, extraRoutes } from '../lib/rest-routes.js'
import { announceReady, HELLO_BODY, readServerArgs } from '../lib/server-args.js'

const { port, routes } = readServerArgs()
const server = createServer()

for (const route of extraRoutes(routes)) {
  const body = extraRouteBody(route)
  server.registerRoute(route.method, route.path, (_req, res) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.send(body)
  })
}
server.get('/', () => HELLO_BODY)
server.get('/users/{id}', (req) => ({ id: req.params.id }))

await server.listen(port, '127.0.0.1')
announceReady()
