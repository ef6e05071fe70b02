/**
 * Turns the raw runs of the server benchmark into medians, ratios and a printed table.
 *
 * @example
 * const summary = summarize(runs, servers, options);
 * process.stdout.write(formatTables(summary));
 */
import type { ScenarioName, ServerName } from './bench-options.js';
import { errorCount, type WrkErrors } from './wrk-runner.js';

/** One measured wrk run. */
export interface RunRecord {
  readonly round: number;
  readonly server: ServerName;
  readonly scenario: ScenarioName;
  readonly requestsPerSec: number;
  readonly requests: number;
  readonly latencyAvgMs: number;
  readonly errors: WrkErrors;
  /** Server CPU time (user + system) per answered request, µs. */
  readonly cpuUsPerRequest: number;
}

/** One server process (one per server per round). */
export interface ProcessRecord {
  readonly round: number;
  readonly server: ServerName;
  readonly peakRssBytes: number;
  /** Wrong answers found by the response check before the runs. */
  readonly problems: readonly string[];
}

export interface ScenarioSummary {
  readonly server: ServerName;
  readonly scenario: ScenarioName;
  readonly runs: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly latencyAvgMs: number;
  readonly errors: number;
  /** Median divided by the median of that server in the same scenario (null when absent). */
  readonly vsFastify: number | null;
  readonly vsNodeHttp: number | null;
  readonly vsCeiling: number | null;
  /** Median server CPU µs per request. */
  readonly cpuUs: number;
  /** node:http's CPU per request divided by this server's (2× = half the CPU per request). */
  readonly cpuVsNodeHttp: number | null;
}

export interface MemorySummary {
  readonly server: ServerName;
  readonly peakRssMedianMB: number;
  readonly peakRssMaxMB: number;
  readonly vsNodeHttp: number | null;
  readonly problems: readonly string[];
}

export interface Summary {
  readonly scenarios: readonly ScenarioSummary[];
  readonly memory: readonly MemorySummary[];
}

export const SCENARIO_LABELS: Record<ScenarioName, string> = {
  hello: 'GET /',
  param: 'GET /users/42',
  pipelined: 'GET / pipelined',
};

/**
 * The median of a non-empty list (mean of the two middle values for an even count).
 *
 * @example
 * median([3, 1, 2]); // 2
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function ratio(value: number, base: number | undefined): number | null {
  return base === undefined || base === 0 ? null : value / base;
}

/**
 * Medians, min–max and ratios per server and scenario, and peak memory per server.
 *
 * @example
 * summarize(runs, processes, ['node-http', 'ceiling'], ['hello']);
 */
export function summarize(
  runs: readonly RunRecord[],
  processes: readonly ProcessRecord[],
  servers: readonly ServerName[],
  scenarios: readonly ScenarioName[],
): Summary {
  const scenarioRows: ScenarioSummary[] = [];
  for (const scenario of scenarios) {
    const medians = new Map<ServerName, number>();
    const cpuMedians = new Map<ServerName, number>();
    const byServer = new Map<ServerName, RunRecord[]>();
    for (const server of servers) {
      const mine = runs.filter((r) => r.server === server && r.scenario === scenario);
      if (mine.length === 0) continue;
      byServer.set(server, mine);
      medians.set(server, median(mine.map((r) => r.requestsPerSec)));
      cpuMedians.set(server, median(mine.map((r) => r.cpuUsPerRequest)));
    }
    for (const [server, mine] of byServer) {
      const rps = mine.map((r) => r.requestsPerSec);
      const value = medians.get(server) as number;
      scenarioRows.push({
        server,
        scenario,
        runs: mine.length,
        median: value,
        min: Math.min(...rps),
        max: Math.max(...rps),
        latencyAvgMs: median(mine.map((r) => r.latencyAvgMs)),
        errors: mine.reduce((sum, r) => sum + errorCount(r.errors), 0),
        vsFastify: ratio(value, medians.get('fastify')),
        vsNodeHttp: ratio(value, medians.get('node-http')),
        vsCeiling: ratio(value, medians.get('ceiling')),
        cpuUs: cpuMedians.get(server) as number,
        cpuVsNodeHttp: ratio(cpuMedians.get('node-http') ?? Number.NaN, cpuMedians.get(server)),
      });
    }
  }
  const memory: MemorySummary[] = [];
  const rssOf = (server: ServerName): number[] =>
    processes.filter((p) => p.server === server && Number.isFinite(p.peakRssBytes)).map((p) => p.peakRssBytes / 2 ** 20);
  const nodeRss = rssOf('node-http');
  for (const server of servers) {
    const rss = rssOf(server);
    if (rss.length === 0) continue;
    const problems = [...new Set(processes.filter((p) => p.server === server).flatMap((p) => p.problems))];
    const peakRssMedianMB = median(rss);
    memory.push({
      server,
      peakRssMedianMB,
      peakRssMaxMB: Math.max(...rss),
      vsNodeHttp: ratio(peakRssMedianMB, nodeRss.length === 0 ? undefined : median(nodeRss)),
      problems,
    });
  }
  return { scenarios: scenarioRows, memory };
}

function fmtRatio(value: number | null): string {
  return value === null ? '–' : `${value.toFixed(2)}×`;
}

function fmtInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The printed report: one table per scenario (requests per second) and one for memory.
 * A server whose runs had errors is marked `!`; one whose answers were wrong is marked `?`.
 *
 * @example
 * process.stdout.write(formatTables(summary));
 */
export function formatTables(summary: Summary): string {
  const wrong = new Set(summary.memory.filter((m) => m.problems.length > 0).map((m) => m.server));
  const blocks: string[] = [];
  const scenarios = [...new Set(summary.scenarios.map((s) => s.scenario))];
  for (const scenario of scenarios) {
    const rows = summary.scenarios
      .filter((s) => s.scenario === scenario)
      .map((s) => [
        `${s.server}${s.errors > 0 ? ' !' : ''}${wrong.has(s.server) ? ' ?' : ''}`,
        fmtInt(s.median),
        `${fmtInt(s.min)}–${fmtInt(s.max)}`,
        fmtRatio(s.vsFastify),
        fmtRatio(s.vsNodeHttp),
        fmtRatio(s.vsCeiling),
        Number.isFinite(s.latencyAvgMs) ? s.latencyAvgMs.toFixed(2) : '–',
        String(s.errors),
        Number.isFinite(s.cpuUs) ? s.cpuUs.toFixed(2) : '–',
        s.cpuVsNodeHttp === null || !Number.isFinite(s.cpuVsNodeHttp) ? '–' : fmtRatio(s.cpuVsNodeHttp),
      ]);
    blocks.push(
      `${SCENARIO_LABELS[scenario]} — requests/s\n` +
        table(['server', 'median', 'min–max', '×fastify', '×node:http', '×ceiling', 'lat ms', 'errors', 'cpu µs/req', 'cpu ×node:http'], rows),
    );
  }
  const memRows = summary.memory.map((m) => [
    m.server,
    m.peakRssMedianMB.toFixed(1),
    m.peakRssMaxMB.toFixed(1),
    fmtRatio(m.vsNodeHttp),
  ]);
  blocks.push(`Peak RSS (VmHWM) — MB\n${table(['server', 'median', 'max', '×node:http'], memRows)}`);
  const notes: string[] = [];
  for (const s of summary.scenarios) {
    if (s.errors > 0) notes.push(`! ${s.server} ${SCENARIO_LABELS[s.scenario]}: ${s.errors} errors (non-2xx or socket errors)`);
  }
  for (const m of summary.memory) for (const p of m.problems) notes.push(`? ${m.server}: ${p}`);
  if (notes.length > 0) blocks.push(notes.join('\n'));
  return `${blocks.join('\n\n')}\n`;
}
