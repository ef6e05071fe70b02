/**
 * The side-by-side HTTP server benchmark (`npm run bench`, issue 3).
 *
 * Each round starts every server, one at a time, pinned to CPU 0 while wrk runs on CPU 1;
 * then, scenario by scenario, loads each server in turn (the order rotates between rounds):
 * a warm-up wrk run and then a measured one, also recording the server's CPU per request. It prints medians, min–max, ratios to Fastify, node:http and the ceiling, and peak RSS,
 * and saves everything as JSON under bench/results/. See bench/README.md.
 *
 * Quick check: `npm run bench -- --rounds 1 --duration 2 --servers node-http,ceiling`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBenchOptions, type ScenarioName, type ServerName } from './lib/bench-options.js';
import { formatTables, SCENARIO_LABELS, summarize, type ProcessRecord, type RunRecord } from './lib/bench-report.js';
import { installCleanup, killAll } from './lib/child-registry.js';
import { checkResponses } from './lib/response-check.js';
import { freePort, startServer, type RunningServer } from './lib/server-process.js';
import { errorCount, repoRoot, runWrk, wrkVersion } from './lib/wrk-runner.js';

const SCENARIO_PATHS: Record<ScenarioName, string> = { hello: '/', param: '/users/42', pipelined: '/' };

const log = (line: string): void => void process.stderr.write(`${line}\n`);

installCleanup();
const options = readBenchOptions();
const notes: string[] = [];

const wrk = wrkVersion();
if (wrk === undefined) {
  log('wrk is not installed: run `sudo bash scripts/install-system-deps.sh` (or `apt-get install wrk`).');
  process.exit(1);
}

const canPin = options.pin && cpus().length >= 2 && spawnSync('taskset', ['-V']).error === undefined;
if (options.pin && !canPin) notes.push('not pinned: taskset missing or fewer than 2 CPUs');
const serverCpu = canPin ? 0 : undefined;
const wrkCpu = canPin ? 1 : undefined;

const serversDir = join(dirname(fileURLToPath(import.meta.url)), 'servers');
const active: ServerName[] = [];
for (const server of options.servers) {
  if (existsSync(join(serversDir, `${server}.js`))) active.push(server);
  else notes.push(`${server}: skipped, bench/servers/${server}.ts is missing (or not compiled)`);
}

log(
  `wrk -t1 -c${options.connections}, ${options.warmup}s warm-up + ${options.duration}s per run, ` +
    `${options.rounds} round(s), ${options.routes} routes per server, ` +
    `${canPin ? `server on CPU ${serverCpu}, wrk on CPU ${wrkCpu}` : 'unpinned'}; ${wrk}`,
);
for (const note of notes) log(`note: ${note}`);

const runs: RunRecord[] = [];
const processes: ProcessRecord[] = [];

/** Starts `server` for a round; undefined (with a note) when it does not start. */
async function startFor(server: ServerName, round: number): Promise<RunningServer | undefined> {
  const port = await freePort();
  try {
    return await startServer({ script: join(serversDir, `${server}.js`), port, routes: options.routes, cpu: serverCpu });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    notes.push(`${server}: skipped, failed to start in round ${round}: ${message.split('\n')[0]}`);
    log(`note: ${server} failed to start: ${message}`);
    active.splice(active.indexOf(server), 1);
    return undefined;
  }
}

/** One scenario on one running server: a warm-up run, then the measured one. */
async function measure(server: ServerName, running: RunningServer, scenario: ScenarioName, round: number): Promise<void> {
  const url = `http://127.0.0.1:${running.port}${SCENARIO_PATHS[scenario]}`;
  const pipeline = scenario === 'pipelined' ? options.pipeline : 1;
  const load = { url, connections: options.connections, pipeline, cpu: wrkCpu };
  if (options.warmup > 0) await runWrk({ ...load, seconds: options.warmup });
  const cpuBefore = running.cpuSeconds();
  const result = await runWrk({ ...load, seconds: options.duration });
  // CPU the server spent per answered request: what wrk's own limit (the ceiling) cannot hide.
  const cpuUsPerRequest = result.requests > 0 ? ((running.cpuSeconds() - cpuBefore) * 1e6) / result.requests : Number.NaN;
  runs.push({ round, server, scenario, ...result, cpuUsPerRequest });
  const errors = errorCount(result.errors);
  log(
    `round ${round}/${options.rounds}  ${server.padEnd(9)}  ${SCENARIO_LABELS[scenario].padEnd(15)}  ` +
      `${Math.round(result.requestsPerSec).toLocaleString('en-US').padStart(9)} req/s` +
      `${errors > 0 ? `  ! ${JSON.stringify(result.errors)}` : ''}`,
  );
  if (running.exited()) throw new Error(`${server} exited during the run:\n${running.stderr()}`);
}

/**
 * One round: every server started, one at a time; then, scenario by scenario, each server
 * loaded in turn (one at a time, the order rotating between rounds), so the figures compared
 * in a ratio are taken seconds apart rather than minutes; then every server stopped.
 */
async function runRound(round: number): Promise<void> {
  const shift = (round - 1) % Math.max(1, active.length);
  const order = [...active.slice(shift), ...active.slice(0, shift)];
  const started = new Map<ServerName, RunningServer>();
  try {
    for (const server of order) {
      const running = await startFor(server, round);
      if (running === undefined) continue;
      started.set(server, running);
      const problems = await checkResponses(running.port, { sameBodyForAllRoutes: server === 'ceiling' });
      for (const problem of problems) log(`note: ${server} answers wrongly: ${problem}`);
      processes.push({ round, server, peakRssBytes: Number.NaN, problems });
    }
    for (const scenario of options.scenarios) {
      for (const [server, running] of started) await measure(server, running, scenario, round);
    }
    for (const [server, running] of started) {
      const record = processes.find((p) => p.round === round && p.server === server);
      if (record !== undefined) processes[processes.indexOf(record)] = { ...record, peakRssBytes: running.peakRssBytes() };
    }
  } finally {
    for (const running of started.values()) await running.stop();
  }
}

try {
  for (let round = 1; round <= options.rounds; round++) await runRound(round);
} finally {
  killAll();
}

const summary = summarize(runs, processes, options.servers, options.scenarios);
process.stdout.write(`\n${formatTables(summary)}`);
for (const note of notes) process.stdout.write(`note: ${note}\n`);

const outDir = options.outDir ?? join(repoRoot(), 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = join(outDir, `http-servers-${stamp}${options.routes > 2 ? `-routes${options.routes}` : ''}.json`);
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, node: process.version, kernel: release(), wrk };
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, options, notes, summary, runs, processes }, null, 2)}\n`);
const shown = relative(process.cwd(), file);
process.stdout.write(`saved ${shown.startsWith('..') ? file : shown}\n`);
