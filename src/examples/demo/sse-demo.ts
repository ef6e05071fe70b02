/**
 * The demo's Server-Sent Events: `/sse` is a page with a live clock (a `tick` event every
 * second on the `clock` channel) and a broadcast board (`POST /sse/say` sends a `message` event
 * to every page on the `board` channel); `/sse/events` is the stream (`res.startSSE()`).
 * @module
 */
import type { Server } from '../../server/server.js'
import '../../sse/index.js'
import { pageShell } from './page-shell.js'

/** Longest message the board accepts, characters. */
const MAX_MESSAGE = 500

const SSE_PAGE = pageShell(
  'Server-Sent Events',
  `<section class="card clock"><p class="muted">Server time, pushed every second:</p><p id="clock">–</p></section>
<section class="card">
  <p class="muted">Broadcast: what you send reaches every open copy of this page.</p>
  <form id="form" autocomplete="off"><input id="text" maxlength="${MAX_MESSAGE}" placeholder="Say something…"><button>Broadcast</button></form>
  <ul id="board"></ul>
</section>
<script>
  const source = new EventSource('/sse/events')
  const clock = document.getElementById('clock')
  const board = document.getElementById('board')
  source.addEventListener('tick', (e) => { clock.textContent = new Date(JSON.parse(e.data)).toLocaleTimeString() })
  source.addEventListener('message', (e) => {
    const li = document.createElement('li')
    li.textContent = e.data
    board.prepend(li)
  })
  document.getElementById('form').addEventListener('submit', async (e) => {
    e.preventDefault()
    const input = document.getElementById('text')
    if (input.value.trim() === '') return
    await fetch('/sse/say', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: input.value })
    input.value = ''
  })
</script>`,
)

/**
 * Registers the SSE page, stream and broadcast route, and starts the clock (stopped with the
 * server).
 *
 * @example
 * ```ts
 * mountSseDemo(server)
 * ```
 */
export function mountSseDemo(server: Server): Server {
  server.get('/sse', (_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8')
    res.send(SSE_PAGE)
  })
  server.get('/sse/events', (_req, res) => {
    const conn = res.startSSE()
    conn.join('clock')
    conn.join('board')
    void conn.sendEvent('tick', JSON.stringify(Date.now()))
  })
  server.post('/sse/say', async (req, res) => {
    const text = (await req.text()).trim().slice(0, MAX_MESSAGE)
    const reached = text === '' ? 0 : server.broadcast('board', 'message', text)
    res.setStatus(202)
    return { reached }
  })
  const clock = setInterval(() => server.broadcast('clock', 'tick', JSON.stringify(Date.now())), 1000)
  clock.unref()
  server.onStop(() => clearInterval(clock))
  return server
}
