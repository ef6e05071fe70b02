/**
 * Benchmark server: Hono (default router) on `@hono/node-server`.
 *
 * Run: `node build/bench/servers/hono.js <port> [routes]`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { extraRouteBody, extraRoutes, toColonPath } from '../lib/rest-routes.js';
import { announceReady, HELLO_BODY, readServerArgs } from '../lib/server-args.js';

const { port, routes } = readServerArgs();
const app = new Hono();

for (const route of extraRoutes(routes)) {
  const body = extraRouteBody(route);
  app.on(route.method, toColonPath(route.path), (c) => c.body(body, 200, { 'Content-Type': 'application/json; charset=utf-8' }));
}
app.get('/', (c) => c.text(HELLO_BODY));
app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, announceReady);
