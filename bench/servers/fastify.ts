/**
 * Benchmark server: Fastify with its defaults (no logger), the measured JSON route given a
 * response schema as Fastify's documentation recommends for speed.
 *
 * Run: `node build/bench/servers/fastify.js <port> [routes]`.
 */
import Fastify from 'fastify';
import { extraRouteBody, extraRoutes, toColonPath } from '../lib/rest-routes.js';
import { announceReady, HELLO_BODY, readServerArgs } from '../lib/server-args.js';

const { port, routes } = readServerArgs();
const app = Fastify({ logger: false });

for (const route of extraRoutes(routes)) {
  const body = extraRouteBody(route);
  app.route({
    method: route.method,
    url: toColonPath(route.path),
    handler: async (_req, reply) => reply.type('application/json; charset=utf-8').send(body),
  });
}
app.get('/', async (_req, reply) => reply.type('text/plain; charset=utf-8').send(HELLO_BODY));
app.get<{ Params: { id: string } }>(
  '/users/:id',
  {
    schema: {
      response: { 200: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    },
  },
  async (req) => ({ id: req.params.id }),
);

await app.listen({ port, host: '127.0.0.1' });
announceReady();
