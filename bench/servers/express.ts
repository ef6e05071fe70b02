/**
 * Benchmark server: Express 5 with its defaults (ETag, X-Powered-By), as most apps run it.
 *
 * Run: `node build/bench/servers/express.js <port> [routes]`.
 */
import express from 'express';
import { extraRouteBody, extraRoutes, toColonPath } from '../lib/rest-routes.js';
import { announceReady, HELLO_BODY, readServerArgs } from '../lib/server-args.js';

const { port, routes } = readServerArgs();
const app = express();

for (const route of extraRoutes(routes)) {
  const body = extraRouteBody(route);
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
  app[method](toColonPath(route.path), (_req, res) => {
    res.type('application/json').send(body);
  });
}
app.get('/', (_req, res) => {
  res.type('text/plain').send(HELLO_BODY);
});
app.get('/users/:id', (req, res) => {
  res.json({ id: req.params.id });
});

app.listen(port, '127.0.0.1', (error?: Error) => {
  if (error !== undefined) throw error;
  announceReady();
});
