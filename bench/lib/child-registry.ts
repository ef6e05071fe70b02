/**
 * Keeps every child process the benchmark starts (servers, wrk) and kills the ones still
 * running when the benchmark ends: normally, on an error, or on Ctrl-C / SIGTERM.
 *
 * @example
 * const child = track(spawn('wrk', args));
 * installCleanup(); // once, at start-up
 */
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let installed = false;

/**
 * Remembers `child` until it exits.
 *
 * @example
 * const server = track(spawn('node', ['build/bench/servers/hono.js', '8080']));
 */
export function track<C extends ChildProcess>(child: C): C {
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
  return child;
}

/**
 * Sends SIGKILL to every child still running. Synchronous, so it works in an `exit` handler.
 *
 * @example
 * process.on('exit', killAll);
 */
export function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

/**
 * Kills the children on process exit, uncaught errors, SIGINT and SIGTERM (then exits with
 * 130 / 143 / 1).
 *
 * @example
 * installCleanup();
 */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: stopping the servers\n`);
      killAll();
      process.exit(code);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`benchmark failed: ${error.stack ?? String(error)}\n`);
    killAll();
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`benchmark failed: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
    killAll();
    process.exit(1);
  });
}
