/**
 * The route table of the "many routes" benchmark (issue 4): realistic REST routes that every
 * server registers *before* the two measured ones (`GET /` and `GET /users/{id}`), so a router
 * that scans its table in order pays for all of them.
 *
 * Paths use Portico's `{name}` syntax; `toColonPath` converts them for Fastify, Hono and
 * Express (`:name`).
 *
 * @example
 * import { extraRoutes, toColonPath } from '../lib/rest-routes.js';
 * for (const route of extraRoutes(50)) app.on(route.method, toColonPath(route.path), handler);
 */

/** One route of the table. */
export interface BenchRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path pattern with `{name}` parameter segments. */
  readonly path: string;
}

/** The measured routes, registered last. */
export const MEASURED_ROUTES: readonly BenchRoute[] = [
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/users/{id}' },
];

const RESOURCES: readonly (readonly [string, string])[] = [
  ['accounts', 'settings'],
  ['products', 'reviews'],
  ['orders', 'items/{itemId}'],
  ['invoices', 'lines'],
  ['projects', 'members'],
  ['teams', 'members/{memberId}'],
  ['articles', 'comments'],
  ['tickets', 'events'],
];

/** Six routes per resource: list, create, read, replace, delete, and one nested read. */
function resourceRoutes(prefix: string, resource: string, nested: string): BenchRoute[] {
  const base = `${prefix}/${resource}`;
  return [
    { method: 'GET', path: base },
    { method: 'POST', path: base },
    { method: 'GET', path: `${base}/{id}` },
    { method: 'PUT', path: `${base}/{id}` },
    { method: 'DELETE', path: `${base}/{id}` },
    { method: 'GET', path: `${base}/{id}/${nested}` },
  ];
}

/**
 * The extra routes to register so that the table holds `total` routes with the two measured
 * ones: `total - 2` routes (48 for `total = 50`). Past 48, the same resources repeat under
 * `/v2`, `/v3`, … prefixes.
 *
 * @example
 * extraRoutes(50).length; // 48
 * extraRoutes(2).length;  // 0
 */
export function extraRoutes(total: number): BenchRoute[] {
  const wanted = Math.max(0, total - MEASURED_ROUTES.length);
  const routes: BenchRoute[] = [];
  for (let version = 1; routes.length < wanted; version++) {
    const prefix = version === 1 ? '' : `/v${version}`;
    for (const [resource, nested] of RESOURCES) routes.push(...resourceRoutes(prefix, resource, nested));
  }
  return routes.slice(0, wanted);
}

/**
 * Converts `{name}` segments to the `:name` syntax of Fastify, Hono and Express.
 *
 * @example
 * toColonPath('/orders/{id}/items/{itemId}'); // '/orders/:id/items/:itemId'
 */
export function toColonPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

/**
 * The JSON every extra route answers (they are never measured, only registered).
 *
 * @example
 * extraRouteBody({ method: 'GET', path: '/orders' }); // '{"route":"GET /orders"}'
 */
export function extraRouteBody(route: BenchRoute): string {
  return JSON.stringify({ route: `${route.method} ${route.path}` });
}
