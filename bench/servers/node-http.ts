/**
 * Benchmark server: plain `node:http`, routed by a hand-written linear table
 * (`bench/lib/linear-router.ts`), as a small application without a framework would be.
 *
 * Run: `node build/bench/servers/node-http.js <port> [routes]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { LinearRouter } from '../lib/linear-router.js';
import { extraRouteBody, extraRoutes } from '../lib/rest-routes.js';
import { announceReady, HELLO_BODY, readServerArgs } from '../lib/server-args.js';

type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void;

const { port, routes } = readServerArgs();
const router = new LinearRouter<Handler>();

for (const route of extraRoutes(routes)) {
  const body = extraRouteBody(route);
  router.add(route.method, route.path, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
}
router.add('GET', '/', (_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': HELLO_BODY.length });
  res.end(HELLO_BODY);
});
router.add('GET', '/users/{id}', (_req, res, params) => {
  const body = JSON.stringify({ id: params.id });
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const found = router.find(req.method ?? 'GET', q === -1 ? url : url.slice(0, q));
  if (found === undefined) {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
    return;
  }
  found.handler(req, res, found.params);
});
server.listen(port, '127.0.0.1', announceReady);
