/**
 * The demo's REST API, after the HTTPServer seed: `GET /api/users/{id}` echoes the parameter,
 * `POST /api/data` parses a JSON body and answers 201, `/api/items/{id:int}` shows a typed
 * parameter and an `HttpError(404)`. HEAD, OPTIONS and 405 with `Allow` come from the router.
 * @module
 */
import { HttpError } from '../../errors.js'
import type { Server } from '../../server/server.js'

/** The items of `/api/items`. */
const ITEMS = new Map<number, { id: number; name: string; price: number }>([
  [1, { id: 1, name: 'Lantern', price: 12.5 }],
  [2, { id: 2, name: 'Compass', price: 30 }],
  [3, { id: 3, name: 'Rope (20 m)', price: 18 }],
])

/**
 * Registers the API routes on `server`.
 *
 * @example
 * ```ts
 * mountApi(server)
 * await server.inject({ method: 'GET', path: '/api/users/7' }) // 200 {"user_id":"7"}
 * ```
 */
export function mountApi(server: Server): Server {
  server.get('/api', () => ({
    routes: ['GET /api/users/{id}', 'POST /api/data', 'GET /api/items', 'GET /api/items/{id:int}', 'DELETE /api/items/{id:int}'],
  }))
  server.get('/api/users/{id}', (req) => ({ user_id: req.params.id }))
  server.post('/api/data', async (req, res) => {
    const data = await req.parseJsonBody()
    res.setStatus(201)
    return { received: data }
  })
  server.get('/api/items', () => [...ITEMS.values()])
  server.get('/api/items/{id:int}', (req) => {
    // req.params.id is a number here: the pattern's `:int` types and checks it.
    const item = ITEMS.get(req.params.id)
    if (item === undefined) throw new HttpError(404, `No item ${req.params.id}`)
    return item
  })
  server.delete('/api/items/{id:int}', (req, res) => {
    if (!ITEMS.has(req.params.id)) throw new HttpError(404, `No item ${req.params.id}`)
    // The demo keeps its items: deleting is only pretended.
    res.setStatus(204)
    res.end()
  })
  return server
}
