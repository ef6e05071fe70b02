/**
 * Options of the side-by-side server benchmark, from flags (`--rounds 3`) or the environment
 * (`BENCH_ROUNDS=3`); flags win.
 *
 * @example
 * const options = readBenchOptions(['--rounds', '1', '--servers', 'node-http,ceiling']);
 */

/** Every server the benchmark knows, in the order the table lists them. */
export const ALL_SERVERS = ['portico', 'node-http', 'fastify', 'hono', 'express', 'ceiling'] as const;
export type ServerName = (typeof ALL_SERVERS)[number];

/** The measured scenarios. */
export const ALL_SCENARIOS = ['hello', 'param', 'pipelined'] as const;
export type ScenarioName = (typeof ALL_SCENARIOS)[number];

export interface BenchOptions {
  /** Rounds; each round runs every server once, one at a time. */
  readonly rounds: number;
  /** Seconds of each measured wrk run. */
  readonly duration: number;
  /** Seconds of the unmeasured wrk run before each measured one. */
  readonly warmup: number;
  /** wrk connections (`-c`). */
  readonly connections: number;
  /** Requests per write in the pipelined scenario. */
  readonly pipeline: number;
  /** Routes each server registers in all (2 = only the measured ones; issue 4 uses 50). */
  readonly routes: number;
  readonly servers: readonly ServerName[];
  readonly scenarios: readonly ScenarioName[];
  /** Pin the server to CPU 0 and wrk to CPU 1 with `taskset` (when there are 2+ CPUs). */
  readonly pin: boolean;
  /** Where to save the JSON results (a directory). */
  readonly outDir: string | undefined;
}

const USAGE = `usage: npm run bench -- [options]
  --rounds N        rounds, servers interleaved (default 3; env BENCH_ROUNDS)
  --duration S      seconds per measured run (default 5; env BENCH_DURATION)
  --warmup S        seconds of warm-up before each run (default 1; env BENCH_WARMUP)
  --connections N   wrk connections (default 50; env BENCH_CONNECTIONS)
  --pipeline N      requests per write in the pipelined scenario (default 10; env BENCH_PIPELINE)
  --routes N        routes registered per server, measured ones last (default 2; env BENCH_ROUTES)
  --servers a,b     among ${ALL_SERVERS.join(',')} (default all; env BENCH_SERVERS)
  --scenarios a,b   among ${ALL_SCENARIOS.join(',')} (default all; env BENCH_SCENARIOS)
  --no-pin          do not pin with taskset (env BENCH_PIN=0)
  --out DIR         directory for the JSON result (default bench/results; env BENCH_OUT)`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function readFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (arg === '--no-pin') {
      flags.set('pin', '0');
      continue;
    }
    if (!arg.startsWith('--')) fail(`unexpected argument: ${arg}`);
    const eq = arg.indexOf('=');
    if (eq !== -1) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const value = argv[++i];
    if (value === undefined) fail(`${arg} needs a value`);
    flags.set(arg.slice(2), value);
  }
  return flags;
}

function positive(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) fail(`--${name} must be a number >= ${min}, got ${raw}`);
  return value;
}

function list<T extends string>(name: string, raw: string | undefined, all: readonly T[]): readonly T[] {
  if (raw === undefined || raw === '' || raw === 'all') return all;
  const picked = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of picked) {
    if (!(all as readonly string[]).includes(item)) fail(`unknown ${name}: ${item} (known: ${all.join(', ')})`);
  }
  return all.filter((item) => picked.includes(item));
}

/**
 * Reads the options from `argv` (without `node` and the script) and `env`.
 *
 * @example
 * readBenchOptions(['--duration', '2'], {}).duration; // 2
 */
export function readBenchOptions(argv: readonly string[] = process.argv.slice(2), env = process.env): BenchOptions {
  const flags = readFlags(argv);
  const get = (name: string): string | undefined => flags.get(name) ?? env[`BENCH_${name.toUpperCase()}`];
  const known = ['rounds', 'duration', 'warmup', 'connections', 'pipeline', 'routes', 'servers', 'scenarios', 'pin', 'out'];
  for (const name of flags.keys()) if (!known.includes(name)) fail(`unknown option --${name}`);
  const routes = positive('routes', get('routes'), 2, 2);
  return {
    rounds: Math.floor(positive('rounds', get('rounds'), 3)),
    duration: Math.floor(positive('duration', get('duration'), 5)),
    warmup: Math.floor(positive('warmup', get('warmup'), 1, 0)),
    connections: Math.floor(positive('connections', get('connections'), 50)),
    pipeline: Math.floor(positive('pipeline', get('pipeline'), 10)),
    routes: Math.floor(routes),
    servers: list('server', get('servers'), ALL_SERVERS),
    scenarios: list('scenario', get('scenarios'), ALL_SCENARIOS),
    pin: get('pin') !== '0',
    outDir: get('out'),
  };
}
