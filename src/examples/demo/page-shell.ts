/**
 * The look of the demo's pages: one stylesheet, a header linking home, and the body.
 * @module
 */

const STYLE = `
  :root { --bg: #0b1120; --panel: #111a2e; --line: #24324f; --text: #e2e8f0; --muted: #94a3b8; --accent: #38bdf8; --accent2: #a78bfa; }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; color: var(--text); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         background: radial-gradient(circle at 10% -10%, #1d4ed855, transparent 45%), radial-gradient(circle at 100% 0%, #7c3aed44, transparent 40%), var(--bg); }
  main { width: min(900px, 100% - 2rem); margin: 0 auto; padding: 2rem 0 4rem; }
  header { display: flex; align-items: baseline; gap: 1rem; margin-bottom: 1.5rem; }
  header a { color: var(--muted); text-decoration: none; }
  h1 { margin: 0; font-size: 1.9rem; letter-spacing: .01em; }
  h1 span { background: linear-gradient(90deg, var(--accent), var(--accent2)); -webkit-background-clip: text; background-clip: text; color: transparent; }
  .muted { color: var(--muted); }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 1rem; }
  .card { display: block; padding: 1.1rem 1.2rem; border: 1px solid var(--line); border-radius: 14px; background: var(--panel);
          color: inherit; text-decoration: none; box-shadow: 0 8px 24px #0006; transition: transform .15s, border-color .15s; margin-bottom: 1rem; }
  a.card:hover { transform: translateY(-2px); border-color: var(--accent); }
  .card h2 { margin: 0 0 .3rem; font-size: 1.1rem; color: var(--accent); }
  .card p { margin: 0; }
  code { font: .88em ui-monospace, SFMono-Regular, Menlo, monospace; background: #0f172a; border: 1px solid var(--line); border-radius: 6px; padding: .05rem .35rem; }
  pre { background: #0f172a; border: 1px solid var(--line); border-radius: 10px; padding: .8rem 1rem; overflow-x: auto; }
  .clock #clock { font-size: 3rem; font-weight: 700; margin: .2rem 0 0; font-variant-numeric: tabular-nums; }
  form { display: flex; gap: .5rem; margin: .6rem 0; }
  input { flex: 1; padding: .6rem .8rem; border-radius: 10px; border: 1px solid var(--line); background: #0f172a; color: var(--text); font: inherit; }
  button { padding: 0 1rem; border: 0; border-radius: 10px; background: var(--accent); color: #04121d; font: inherit; font-weight: 600; cursor: pointer; }
  #board { list-style: none; padding: 0; margin: 0; } #board li { padding: .35rem 0; border-bottom: 1px solid var(--line); }
`

/**
 * A full HTML page with the demo's style; `body` is trusted HTML.
 *
 * @example
 * ```ts
 * res.send(pageShell('Hello', '<p>Hi</p>'))
 * ```
 */
export function pageShell(title: string, body: string, options: { home?: boolean } = {}): string {
  const back = options.home === true ? '' : '<a href="/">← all demos</a>'
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Portico demo</title><style>${STYLE}</style></head>
<body><main>
<header><h1>Portico <span>${title}</span></h1>${back}</header>
${body}
</main></body>
</html>
`
}
