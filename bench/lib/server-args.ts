/**
 * The command line every benchmark server script accepts, and the `ready` line it prints.
 *
 * A server script is started as `node build/bench/servers/<name>.js <port> [routes]`: it listens
 * on 127.0.0.1:<port>, registers `routes` routes in all (the two measured ones last), and
 * prints `ready` on stdout once it is listening. The runner waits for that line.
 *
 * @example
 * import { readServerArgs, announceReady } from '../lib/server-args.js';
 * const { port, routes } = readServerArgs();
 * server.listen(port, '127.0.0.1', announceReady);
 */

/** What a benchmark server script was asked to do. */
export interface ServerArgs {
  /** The TCP port to listen on (127.0.0.1). */
  readonly port: number;
  /** How many routes to register in all, the two measured ones included (at least 2). */
  readonly routes: number;
}

/**
 * Reads `<port> [routes]` from `process.argv` (or the array given); exits with a message
 * when the port is missing or not a number.
 *
 * @example
 * const { port, routes } = readServerArgs(['node', 'hono.js', '8080', '50']);
 * // port === 8080, routes === 50
 */
export function readServerArgs(argv: readonly string[] = process.argv): ServerArgs {
  const port = Number(argv[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write(`usage: node ${argv[1] ?? 'server.js'} <port> [routes]\n`);
    process.exit(2);
  }
  const routes = argv[3] === undefined ? 2 : Number(argv[3]);
  if (!Number.isInteger(routes) || routes < 2) {
    process.stderr.write(`routes must be an integer >= 2, got ${argv[3]}\n`);
    process.exit(2);
  }
  return { port, routes };
}

/**
 * Prints the `ready` line the runner waits for. Call it once the server is listening.
 *
 * @example
 * server.listen(port, '127.0.0.1', announceReady);
 */
export function announceReady(): void {
  process.stdout.write('ready\n');
}

/**
 * The body of `GET /`.
 *
 * @example
 * res.end(HELLO_BODY);
 */
export const HELLO_BODY = 'Hello, World!';
