/**
 * Checks, before a server is measured, that it answers the measured routes correctly: a fast
 * wrong answer must not count. wrk itself only sees status codes.
 *
 * @example
 * const problems = await checkResponses(8080, { sameBodyForAllRoutes: false });
 * // [] when both routes answer as expected
 */
import { get } from 'node:http';
import { HELLO_BODY } from './server-args.js';

interface Fetched {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

function fetchOnce(port: number, path: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => (body += s));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body });
        res.socket.destroy();
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/**
 * Fetches `GET /` and `GET /users/42` and lists what is wrong with the answers.
 * The ceiling answers the same fixed bytes to every request, so for it only `GET /` is checked
 * in full (`sameBodyForAllRoutes`).
 *
 * @example
 * await checkResponses(port, { sameBodyForAllRoutes: true }); // the ceiling
 */
export async function checkResponses(port: number, options: { sameBodyForAllRoutes: boolean }): Promise<string[]> {
  const problems: string[] = [];
  try {
    const hello = await fetchOnce(port, '/');
    if (hello.status !== 200) problems.push(`GET / answered ${hello.status}`);
    if (hello.body !== HELLO_BODY) problems.push(`GET / body was ${JSON.stringify(hello.body.slice(0, 60))}`);
    const user = await fetchOnce(port, '/users/42');
    if (user.status !== 200) problems.push(`GET /users/42 answered ${user.status}`);
    if (!options.sameBodyForAllRoutes) {
      let id: unknown;
      try {
        id = (JSON.parse(user.body) as { id?: unknown }).id;
      } catch {
        id = undefined;
      }
      if (id !== '42') problems.push(`GET /users/42 body was ${JSON.stringify(user.body.slice(0, 60))}`);
      if (!user.contentType.startsWith('application/json')) problems.push(`GET /users/42 Content-Type was ${JSON.stringify(user.contentType)}`);
    }
  } catch (error) {
    problems.push(`request failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return problems;
}
