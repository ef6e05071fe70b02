/**
 * The route tables and request paths of the router micro-benchmark: a realistic REST mix
 * (collections, `{id:int}` items, nested `{slug}` reads, a few literal endpoints and a
 * `{*path}` wildcard), in Portico's syntax and converted for find-my-way.
 *
 * @example
 * const { routes, requests } = routeTable(50);
 * for (const r of routes) router.add(r.method, r.pattern, r.pattern);
 */

/** One route: a method and a Portico pattern. */
export interface TableRoute {
  readonly method: string;
  readonly pattern: string;
}

/** One request of the measured mix. */
export interface TableRequest {
  readonly method: string;
  readonly path: string;
}

const RESOURCES = ['users', 'orders', 'products', 'invoices', 'teams', 'articles', 'tickets', 'projects'];
const NESTED = ['comments', 'items', 'members', 'events'];

/** The routes of one resource under a prefix: 9 routes. */
function resourceRoutes(prefix: string, resource: string, nested: string): TableRoute[] {
  const base = `${prefix}/${resource}`;
  return [
    { method: 'GET', pattern: base },
    { method: 'POST', pattern: base },
    { method: 'GET', pattern: `${base}/search` },
    { method: 'GET', pattern: `${base}/{id:int}` },
    { method: 'PUT', pattern: `${base}/{id:int}` },
    { method: 'DELETE', pattern: `${base}/{id:int}` },
    { method: 'GET', pattern: `${base}/{id:int}/${nested}` },
    { method: 'GET', pattern: `${base}/{id:int}/${nested}/{slug}` },
    { method: 'POST', pattern: `${base}/{id:int}/${nested}` },
  ];
}

/** A request that the route matches (parameters filled with typical values). */
function requestFor(route: TableRoute, k: number): TableRequest {
  const path = route.pattern
    .replace(/\{[A-Za-z]+:int\}/g, String(1000 + k * 7))
    .replace(/\{\*[A-Za-z]+\}/g, `css/site-${k}.css`)
    .replace(/\{[A-Za-z]+\}/g, `post-title-${k}`);
  return { method: route.method, path };
}

/**
 * `size` routes (5 and up): `/`, `/health`, `/static/{*path}`, then resources under
 * `/api/v1`, `/api/v2`, … ; and requests that hit every route in turn.
 *
 * @example
 * routeTable(5).routes.length // 5
 */
export function routeTable(size: number): { routes: TableRoute[]; requests: TableRequest[] } {
  const routes: TableRoute[] = [
    { method: 'GET', pattern: '/' },
    { method: 'GET', pattern: '/static/{*path}' },
    { method: 'GET', pattern: '/health' },
  ];
  for (let version = 1; routes.length < size; version++) {
    for (let r = 0; r < RESOURCES.length && routes.length < size; r++) {
      routes.push(...resourceRoutes(`/api/v${version}`, RESOURCES[r], NESTED[r % NESTED.length]));
    }
  }
  routes.length = size;
  const requests: TableRequest[] = [];
  for (let k = 0; k < 4; k++) for (const route of routes) requests.push(requestFor(route, requests.length));
  return { routes, requests };
}

/**
 * Converts a Portico pattern to find-my-way's: `{name}` and `{name:int}` to `:name` (its
 * fastest form: no regex, so find-my-way does less work than Portico's integer check), and
 * `{*name}` to `*`.
 *
 * @example
 * toFindMyWay('/a/{id:int}/{*rest}') // '/a/:id/*'
 */
export function toFindMyWay(pattern: string): string {
  return pattern.replace(/\{\*[A-Za-z]+\}/g, '*').replace(/\{([A-Za-z]+)(:int)?\}/g, ':$1');
}
