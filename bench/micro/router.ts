/**
 * Router micro-benchmark (`npm run bench:router`): lookups per second of Portico's `Router`
 * and find-my-way (Fastify's router), both as Fastify runs it (`compile()`d, the default since
 * Fastify compiles its routes at ready) and as a plain tree walk, on 5, 50 and 500 routes of a
 * realistic REST mix (bench/micro/router-table.ts). Rounds interleave the routers; the table
 * shows medians and ratios.
 *
 * Options: `--rounds N` (default 7), `--ms M` milliseconds per measurement (default 300),
 * `--sizes 5,50,500`.
 */
import FindMyWay from 'find-my-way';
import { Router } from '../../src/router/router.js';
import { routeTable, toFindMyWay, type TableRequest } from './router-table.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const ROUNDS = Number(flag('rounds', '7'));
const MS = Number(flag('ms', '300'));
const SIZES = flag('sizes', '5,50,500').split(',').map(Number);

type Lookup = (method: string, path: string) => unknown;

/**
 * Lookups per second of `lookup` over `requests`, cycled for about `ms` milliseconds. Each
 * router gets its own copy of the loop (a fresh function per call of `makeMeasure`), so V8's
 * type feedback at the `lookup` call site is never shared between routers.
 */
type Measure = (lookup: Lookup, requests: readonly TableRequest[], ms: number) => number;
const MEASURE_SOURCE = `
  const batch = requests.length;
  let done = 0, found = 0;
  const t0 = process.hrtime.bigint();
  const limit = BigInt(ms) * 1000000n;
  let elapsed = 0n;
  do {
    for (let k = 0; k < 2000; k++) {
      const request = requests[(done + k) % batch];
      if (lookup(request.method, request.path) !== null) found++;
    }
    done += 2000;
    elapsed = process.hrtime.bigint() - t0;
  } while (elapsed < limit);
  if (found !== done) throw new Error('a lookup failed');
  return (done * 1e9) / Number(elapsed);`;
const makeMeasure = (): Measure => new Function('lookup', 'requests', 'ms', MEASURE_SOURCE) as Measure;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Checks that every request finds a route in each router (a broken table would lie). */
function check(name: string, lookup: (m: string, p: string) => boolean, requests: readonly TableRequest[]): void {
  for (const r of requests) if (!lookup(r.method, r.path)) throw new Error(`${name} misses ${r.method} ${r.path}`);
}

const format = (n: number): string => `${(n / 1e6).toFixed(2)}M/s`.padStart(10);

process.stdout.write(`router lookups/s, median of ${ROUNDS} rounds x ${MS} ms (Node ${process.version})\n`);
process.stdout.write(
  `${'routes'.padEnd(7)}${'portico'.padStart(10)}${'fmw compiled'.padStart(14)}${'fmw walk'.padStart(10)}` +
    `${'vs compiled'.padStart(13)}${'vs walk'.padStart(9)}\n`,
);
for (const size of SIZES) {
  const { routes, requests } = routeTable(size);
  const portico = new Router<string>();
  const walk = FindMyWay();
  const compiled = FindMyWay();
  const noop = (): void => {};
  for (const route of routes) {
    portico.add(route.method, route.pattern, route.pattern);
    walk.on(route.method as 'GET', toFindMyWay(route.pattern), noop);
    compiled.on(route.method as 'GET', toFindMyWay(route.pattern), noop);
  }
  compiled.compile();
  const lookups: Record<string, Lookup> = {
    portico: (m, p) => portico.lookup(m, p),
    compiled: (m, p) => compiled.find(m as 'GET', p),
    walk: (m, p) => walk.find(m as 'GET', p),
  };
  check('portico', (m, p) => portico.lookup(m, p).kind === 'found', requests);
  check('find-my-way', (m, p) => compiled.find(m as 'GET', p) !== null && walk.find(m as 'GET', p) !== null, requests);
  const results: Record<string, number[]> = { portico: [], compiled: [], walk: [] };
  const names = Object.keys(lookups);
  const measures: Record<string, Measure> = {};
  for (const name of names) {
    measures[name] = makeMeasure();
    measures[name](lookups[name], requests, MS / 2);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length];
      results[name].push(measures[name](lookups[name], requests, MS));
    }
  }
  const p = median(results.portico);
  const c = median(results.compiled);
  const w = median(results.walk);
  process.stdout.write(
    `${String(size).padEnd(7)}${format(p)}${format(c).padStart(14)}${format(w)}` +
      `${`${(p / c).toFixed(2)}x`.padStart(13)}${`${(p / w).toFixed(2)}x`.padStart(9)}\n`,
  );
}
