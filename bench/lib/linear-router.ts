/**
 * The router a hand-written `node:http` application would use: the table is scanned in
 * registration order and each pattern is compared segment by segment. The `node:http`
 * benchmark server uses it so that its cost grows with `--routes` as a real application's would.
 *
 * @example
 * const router = new LinearRouter<Handler>();
 * router.add('GET', '/users/{id}', showUser);
 * const found = router.find('GET', '/users/42'); // { handler: showUser, params: { id: '42' } }
 */
export class LinearRouter<H> {
  readonly #routes: { method: string; segments: readonly string[]; params: readonly (string | undefined)[]; handler: H }[] = [];

  /**
   * Registers `handler` for `method` and a path with `{name}` segments.
   *
   * @example
   * router.add('GET', '/', hello);
   */
  add(method: string, path: string, handler: H): void {
    const segments = path.split('/');
    const params = segments.map((s) => (s.startsWith('{') && s.endsWith('}') ? s.slice(1, -1) : undefined));
    this.#routes.push({ method, segments, params, handler });
  }

  /**
   * The first route that matches, with its path parameters, or `undefined`.
   * `path` is the path part of the request-target, without the query.
   *
   * @example
   * router.find('GET', '/users/42')?.params.id; // '42'
   */
  find(method: string, path: string): { handler: H; params: Record<string, string> } | undefined {
    const parts = path.split('/');
    for (const route of this.#routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params = matchSegments(route.segments, route.params, parts);
      if (params !== undefined) return { handler: route.handler, params };
    }
    return undefined;
  }
}

function matchSegments(
  segments: readonly string[],
  names: readonly (string | undefined)[],
  parts: readonly string[],
): Record<string, string> | undefined {
  let params: Record<string, string> | undefined;
  for (let i = 0; i < segments.length; i++) {
    const name = names[i];
    const part = parts[i] as string;
    if (name === undefined) {
      if (segments[i] !== part) return undefined;
    } else {
      if (part === '') return undefined;
      (params ??= {})[name] = part;
    }
  }
  return params ?? {};
}
