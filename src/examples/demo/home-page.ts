/**
 * The demo's home page: a card per demo, each a link with a line of explanation.
 * @module
 */
import { pageShell } from './page-shell.js'

/** One demo on the home page. */
export interface DemoLink {
  readonly href: string
  readonly title: string
  readonly text: string
}

/**
 * Every demo the home page links.
 *
 * @example
 * ```ts
 * for (const d of DEMO_LINKS) console.log(`http://127.0.0.1:8080${d.href}  ${d.title}`)
 * ```
 */
export const DEMO_LINKS: readonly DemoLink[] = [
  { href: '/chat', title: 'WebSocket chat', text: 'Open it in two windows: every message is broadcast to every client over /chat/ws.' },
  { href: '/sse', title: 'Server-Sent Events', text: 'A live clock pushed every second, and a board that broadcasts to every open page.' },
  { href: '/files/', title: 'Static files', text: 'A sample folder with directory listing, ranges, ETags and compression (br/gzip).' },
  { href: '/api/users/42', title: 'Path parameters', text: 'GET /api/users/{id}: the route echoes the parameter as JSON.' },
  { href: '/api/items', title: 'REST resource', text: 'A JSON list; CORS headers are sent on every /api response.' },
  { href: '/api/items/2', title: 'Typed parameters', text: '/api/items/{id:int}: id arrives as a number; /api/items/9 answers 404 with an HttpError.' },
  { href: '/api', title: 'API index', text: 'The routes of the API. Try POST, HEAD or OPTIONS on them with curl (below).' },
]

/**
 * The HTML of `/` (`HOST` in its curl examples stands for the server's host and port).
 *
 * @example
 * ```ts
 * server.get('/', (req, res) => { res.setHeader('Content-Type', 'text/html; charset=utf-8'); res.send(HOME_HTML) })
 * ```
 */
export const HOME_HTML = pageShell(
  'demo',
  `<p class="muted">One server, every feature: routing, JSON, static files, CORS, compression, SSE, WebSockets and a request log in the terminal.</p>
<div class="grid">
${DEMO_LINKS.map((d) => `<a class="card" href="${d.href}"><h2>${d.title}</h2><p>${d.text}</p></a>`).join('\n')}
</div>
<section class="card">
<h2>Try it with curl</h2>
<pre>curl -i -X POST -H 'Content-Type: application/json' -d '{"hello":"world"}' http://HOST/api/data   # 201
curl -i -X PUT http://HOST/api/users/1        # 405 with Allow
curl -I http://HOST/api/items/1               # automatic HEAD
curl -i -X OPTIONS http://HOST/api/items/1    # automatic OPTIONS
curl -i -H 'Origin: https://example.com' http://HOST/api/items   # CORS
curl --compressed -v http://HOST/files/lorem.txt 2>&amp;1 | grep -i encoding   # br or gzip</pre>
</section>`,
  { home: true },
)
