/**
 * Runs `wrk` (optionally pinned to a CPU with `taskset`) and parses what it prints.
 *
 * @example
 * const result = await runWrk({ url: 'http://127.0.0.1:8080/', seconds: 5, connections: 50 });
 * result.requestsPerSec; // e.g. 41234.5
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { track } from './child-registry.js';

/** What one wrk run measured. */
export interface WrkResult {
  readonly requestsPerSec: number;
  readonly requests: number;
  /** Mean latency in milliseconds. */
  readonly latencyAvgMs: number;
  readonly errors: WrkErrors;
}

/** The failures wrk reports; all zero in a clean run. */
export interface WrkErrors {
  readonly non2xx: number;
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly timeout: number;
}

export interface WrkRun {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  /** Requests per write (1 = no pipelining). */
  readonly pipeline?: number;
  /** CPU to pin wrk to, or undefined to leave it free. */
  readonly cpu?: number | undefined;
}

/**
 * The repository root (the folder with package.json), found from this compiled file.
 *
 * @example
 * join(repoRoot(), 'bench', 'wrk', 'pipeline.lua');
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the benchmark');
    dir = parent;
  }
  return dir;
}

/**
 * wrk's version line, or undefined when wrk is not installed.
 *
 * @example
 * wrkVersion(); // 'wrk debian/4.1.0-3+b2 [epoll]'
 */
export function wrkVersion(): string | undefined {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) return undefined;
  return `${probe.stdout}${probe.stderr}`.split('\n')[0]?.replace(/ Copyright.*$/, '').trim();
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60000 };

/**
 * Parses wrk's text report. Throws when it has no `Requests/sec` line.
 *
 * @example
 * parseWrkOutput('Requests/sec:  1000.50\n').requestsPerSec; // 1000.5
 */
export function parseWrkOutput(text: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (rps === null) throw new Error(`wrk printed no Requests/sec:\n${text}`);
  const requests = /(\d+) requests in/.exec(text);
  const latency = /Latency\s+([\d.]+)(us|ms|s|m)\b/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    requestsPerSec: Number(rps[1]),
    requests: requests === null ? 0 : Number(requests[1]),
    latencyAvgMs: latency === null ? Number.NaN : Number(latency[1]) * (UNIT_MS[latency[2] as string] ?? Number.NaN),
    errors: {
      non2xx: non2xx === null ? 0 : Number(non2xx[1]),
      connect: socket === null ? 0 : Number(socket[1]),
      read: socket === null ? 0 : Number(socket[2]),
      write: socket === null ? 0 : Number(socket[3]),
      timeout: socket === null ? 0 : Number(socket[4]),
    },
  };
}

/**
 * The sum of all error counts of a run.
 *
 * @example
 * errorCount(result.errors) > 0; // the run had failures
 */
export function errorCount(errors: WrkErrors): number {
  return errors.non2xx + errors.connect + errors.read + errors.write + errors.timeout;
}

/**
 * Runs wrk once (`-t1`) and resolves with its parsed report.
 *
 * @example
 * await runWrk({ url, seconds: 1, connections: 50, pipeline: 10, cpu: 1 });
 */
export function runWrk(run: WrkRun): Promise<WrkResult> {
  const args = ['-t1', `-c${run.connections}`, `-d${run.seconds}s`, '--timeout', '2s'];
  if (run.pipeline !== undefined && run.pipeline > 1) {
    args.push('-s', join(repoRoot(), 'bench', 'wrk', 'pipeline.lua'), run.url, '--', String(run.pipeline));
  } else {
    args.push(run.url);
  }
  const command = run.cpu === undefined ? 'wrk' : 'taskset';
  const argv = run.cpu === undefined ? args : ['-c', String(run.cpu), 'wrk', ...args];
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}:\n${out}`));
      try {
        resolve(parseWrkOutput(out));
      } catch (error) {
        reject(error);
      }
    });
  });
}
