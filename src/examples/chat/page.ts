/**
 * The chat page (the Toit tutorial's, restyled): a message list, an input that sends on Enter,
 * a connection indicator, and automatic reconnection. Messages are shown with `textContent`,
 * never as HTML.
 * @module
 */

/**
 * The chat page whose script connects to the WebSocket at `wsPath` (on the page's own host).
 *
 * @example
 * ```ts
 * server.get('/chat', (req, res) => { res.setHeader('Content-Type', 'text/html; charset=utf-8'); res.send(chatPage('/chat/ws')) })
 * ```
 */
export function chatPage(wsPath: string): string {
  return PAGE.replace('__WS_PATH__', JSON.stringify(wsPath))
}

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portico chat</title>
<style>
  :root { --bg: #0f172a; --panel: #111c33; --line: #23314f; --text: #e2e8f0; --muted: #8da2c0; --accent: #38bdf8; --mine: #0ea5e9; }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; align-items: center;
         font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text);
         background: radial-gradient(circle at 20% 0%, #1e3a8a55, transparent 40%), var(--bg); }
  main { width: min(760px, 100% - 2rem); margin: 2rem 0; display: flex; flex-direction: column; gap: .75rem; }
  header { display: flex; align-items: center; justify-content: space-between; }
  h1 { margin: 0; font-size: 1.4rem; letter-spacing: .02em; }
  h1 span { color: var(--accent); }
  #status { font-size: .85rem; color: var(--muted); display: flex; align-items: center; gap: .4rem; }
  #status::before { content: ""; width: .6rem; height: .6rem; border-radius: 50%; background: #f87171; }
  #status.online::before { background: #4ade80; box-shadow: 0 0 .5rem #4ade80; }
  #messages { height: 65vh; overflow-y: auto; padding: 1rem; margin: 0; list-style: none;
              background: var(--panel); border: 1px solid var(--line); border-radius: 14px;
              box-shadow: 0 10px 30px #0007; display: flex; flex-direction: column; gap: .5rem; }
  #messages li { max-width: 80%; padding: .5rem .8rem; border-radius: 12px; background: #1c2a47;
                 word-wrap: break-word; white-space: pre-wrap; animation: pop .15s ease-out; }
  #messages li.mine { align-self: flex-end; background: var(--mine); color: #02131f; }
  #messages li.system { align-self: center; background: none; color: var(--muted); font-size: .85rem; }
  @keyframes pop { from { transform: translateY(4px); opacity: 0; } }
  form { display: flex; gap: .5rem; }
  #input { flex: 1; padding: .8rem 1rem; border-radius: 12px; border: 1px solid var(--line);
           background: var(--panel); color: var(--text); font: inherit; outline: none; }
  #input:focus { border-color: var(--accent); box-shadow: 0 0 0 3px #38bdf833; }
  button { padding: 0 1.2rem; border: 0; border-radius: 12px; background: var(--accent); color: #02131f;
           font: inherit; font-weight: 600; cursor: pointer; }
  button:disabled { opacity: .5; cursor: default; }
</style>
</head>
<body>
<main>
  <header><h1>Portico <span>chat</span></h1><div id="status">connecting…</div></header>
  <ul id="messages" aria-live="polite"></ul>
  <form id="form" autocomplete="off">
    <input id="input" type="text" maxlength="2000" placeholder="Type your message and hit Enter…" autofocus>
    <button id="send" type="submit" disabled>Send</button>
  </form>
</main>
<script>
  const messages = document.getElementById('messages')
  const input = document.getElementById('input')
  const status = document.getElementById('status')
  const button = document.getElementById('send')
  const pending = []
  let ws
  let delay = 500

  function show(text, kind) {
    const item = document.createElement('li')
    item.textContent = text
    if (kind) item.className = kind
    messages.appendChild(item)
    messages.scrollTop = messages.scrollHeight
  }

  function connect() {
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + __WS_PATH__)
    // The 6th user of \`portico chat\` (default --max-tasks 5) waits here until a slot frees.
    const slow = setTimeout(() => {
      if (ws.readyState === WebSocket.CONNECTING) status.textContent = 'waiting for the server (full? see --max-tasks)…'
    }, 3000)
    ws.onopen = () => {
      clearTimeout(slow)
      delay = 500
      status.textContent = 'online'
      status.classList.add('online')
      button.disabled = false
    }
    ws.onmessage = (event) => {
      const mine = pending.length > 0 && pending[0] === event.data
      if (mine) pending.shift()
      show(event.data, mine ? 'mine' : '')
    }
    ws.onclose = () => {
      clearTimeout(slow)
      status.textContent = 'reconnecting…'
      status.classList.remove('online')
      button.disabled = true
      setTimeout(connect, delay)
      delay = Math.min(delay * 2, 8000)
    }
  }

  document.getElementById('form').addEventListener('submit', (event) => {
    event.preventDefault()
    const text = input.value.trim()
    if (text === '' || ws.readyState !== WebSocket.OPEN) return
    pending.push(text)
    ws.send(text)
    input.value = ''
  })

  connect()
</script>
</body>
</html>
`

/**
 * The HTML of `/` and `/index.html` (the WebSocket at `/ws`).
 *
 * @example
 * ```ts
 * server.get('/', (req, res) => { res.setHeader('Content-Type', 'text/html; charset=utf-8'); res.send(INDEX_HTML) })
 * ```
 */
export const INDEX_HTML = chatPage('/ws')
