/**
 * Starts one benchmark server script as a child process (pinned to a CPU with `taskset`),
 * waits for its `ready` line, reads its peak memory, and stops it.
 *
 * @example
 * const server = await startServer({ script, port: await freePort(), routes: 2, cpu: 0 });
 * // … load it …
 * const peak = server.peakRssBytes();
 * await server.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { track } from './child-registry.js';

export interface StartOptions {
  /** The compiled server script (build/bench/servers/<name>.js). */
  readonly script: string;
  readonly port: number;
  readonly routes: number;
  /** CPU to pin the server to, or undefined to leave it free. */
  readonly cpu?: number | undefined;
  /** How long to wait for `ready` (ms). */
  readonly readyTimeoutMs?: number;
}

/** A running benchmark server. */
export interface RunningServer {
  readonly pid: number;
  readonly port: number;
  /** Peak resident set size so far (VmHWM), in bytes; NaN when /proc is unavailable. */
  peakRssBytes(): number;
  /** CPU time (user + system) the process has used so far, in seconds; NaN without /proc. */
  cpuSeconds(): number;
  /** Output the server printed on stderr (for error messages). */
  stderr(): string;
  /** Whether the process has exited on its own (a crash during a run). */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  stop(): Promise<void>;
}

/**
 * A TCP port free on 127.0.0.1 right now.
 *
 * @example
 * const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Reads a `Vm…: N kB` line of /proc/<pid>/status, in bytes. */
function procStatusBytes(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match === null ? Number.NaN : Number(match[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * utime + stime of /proc/<pid>/stat (fields 14 and 15), in seconds; NaN without /proc.
 *
 * @example
 * const used = procCpuSeconds(child.pid);
 */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts the server script and resolves once it printed `ready`; rejects (after killing it)
 * when it exits first or stays silent past the timeout.
 *
 * @example
 * await startServer({ script: 'build/bench/servers/ceiling.js', port: 8080, routes: 2, cpu: 0 });
 */
export function startServer(options: StartOptions): Promise<RunningServer> {
  const nodeArgs = [options.script, String(options.port), String(options.routes)];
  const command = options.cpu === undefined ? process.execPath : 'taskset';
  const argv = options.cpu === undefined ? nodeArgs : ['-c', String(options.cpu), process.execPath, ...nodeArgs];
  const child = track(spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } }));
  let errText = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (errText = (errText + s).slice(-4000)));

  const server: RunningServer = {
    pid: child.pid ?? -1,
    port: options.port,
    peakRssBytes: () => procStatusBytes(child.pid ?? -1, 'VmHWM'),
    cpuSeconds: () => procCpuSeconds(child.pid ?? -1),
    stderr: () => errText,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: async () => {
      if (server.exited()) return;
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 2000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 2000);
      }
    },
  };

  return new Promise((resolve, reject) => {
    let out = '';
    let settled = false;
    const timeoutMs = options.readyTimeoutMs ?? 15000;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}${errText === '' ? '' : `\n${errText.trim()}`}`));
    };
    const onExit = (code: number | null, signal: string | null): void => fail(`exited before "ready" (code ${code}, signal ${signal})`);
    const onData = (s: string): void => {
      out += s;
      if (settled || !/^ready$/m.test(out)) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve(server);
    };
    const timer = setTimeout(() => fail(`no "ready" within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    child.once('exit', onExit);
    child.stdout?.setEncoding('utf8').on('data', onData);
  });
}
