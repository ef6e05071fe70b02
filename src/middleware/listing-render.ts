/**
 * Directory listings: an HTML page (breadcrumbs, names, human sizes, modification times,
 * directories first, everything escaped) and the same data as JSON.
 * @module
 */

/** One entry of a directory. */
export interface ListingEntry {
  readonly name: string
  readonly isDirectory: boolean
  /** Size in bytes (ignored for directories). */
  readonly size: number
  /** Modification time, ms since the epoch. */
  readonly mtimeMs: number
}

/**
 * Escapes text for HTML content and double-quoted attribute values.
 *
 * @example
 * ```ts
 * escapeHtml('<a href="x">') // '&lt;a href=&quot;x&quot;&gt;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c])
}
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/**
 * A size in binary units with at most one decimal: `512 B`, `1.5 KiB`, `20 MiB`.
 *
 * @example
 * ```ts
 * humanSize(1536) // '1.5 KiB'
 * ```
 */
export function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${bytes} B`
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`
}

/**
 * Sorts entries for display: directories first, then by name (natural order, so `file2`
 * comes before `file10`).
 *
 * @example
 * ```ts
 * sortEntries(entries).map((e) => e.name) // ['docs', 'src', 'a.txt', 'b2.txt', 'b10.txt']
 * ```
 */
export function sortEntries(entries: readonly ListingEntry[]): ListingEntry[] {
  return [...entries].sort((a, b) => {
    if (a.isDirectory !== b.isDirectory) return a.isDirectory ? -1 : 1
    return COLLATOR.compare(a.name, b.name)
  })
}
const COLLATOR = new Intl.Collator('en', { numeric: true, sensitivity: 'base' })

function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`
}

/** Percent-encodes each segment of a decoded path, keeping the slashes. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

/**
 * The breadcrumb trail of a decoded URL path ending in `/`: one link per ancestor.
 * Exported for tests.
 *
 * @example
 * ```ts
 * breadcrumbs('/a/b c/') // [{ name: '/', href: '/' }, { name: 'a', href: '/a/' }, { name: 'b c', href: '/a/b%20c/' }]
 * ```
 */
export function breadcrumbs(urlPath: string): { name: string; href: string }[] {
  const segments = urlPath.split('/').filter((s) => s !== '')
  const crumbs = [{ name: '/', href: '/' }]
  let acc = '/'
  for (const segment of segments) {
    acc += `${segment}/`
    crumbs.push({ name: segment, href: encodePath(acc) })
  }
  return crumbs
}

/** Icons drawn once as SVG symbols: no emoji font needed. */
const ICONS = `<svg width="0" height="0" style="position:absolute" aria-hidden="true">
<symbol id="i-dir" viewBox="0 0 16 16"><path d="M1.5 3.5A1.5 1.5 0 0 1 3 2h3.4l1.6 1.6H13a1.5 1.5 0 0 1 1.5 1.5v7.4A1.5 1.5 0 0 1 13 14H3a1.5 1.5 0 0 1-1.5-1.5z"/></symbol>
<symbol id="i-file" viewBox="0 0 16 16"><path d="M3.5 1.5h6l3 3v10h-9z M9.5 1.5v3h3"/></symbol>
<symbol id="i-up" viewBox="0 0 16 16"><path d="M8 13V3 M4 7l4-4 4 4"/></symbol>
</svg>`

function icon(kind: 'dir' | 'file' | 'up'): string {
  return `<svg class="icon ${kind}" aria-hidden="true"><use href="#i-${kind}"/></svg>`
}

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--hover:#f6f8fa;--link:#0969da;--folder:#54aeff}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--hover:#161b22;--link:#4493f8;--folder:#4493f8}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:960px;margin:0 auto;padding:32px 20px}
h1{font-size:20px;font-weight:600;margin:0 0 20px;word-break:break-all}
h1 a{color:var(--link);text-decoration:none}h1 a:hover{text-decoration:underline}
h1 .sep{color:var(--muted);margin:0 2px}
table{width:100%;border-collapse:collapse;border:1px solid var(--line);border-radius:6px;overflow:hidden}
th,td{padding:8px 14px;text-align:left;border-bottom:1px solid var(--line);white-space:nowrap}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);background:var(--hover)}
tr:last-child td{border-bottom:0}
tbody tr:hover{background:var(--hover)}
td.name{width:100%;white-space:normal;word-break:break-all}
td.name a{color:var(--link);text-decoration:none}td.name a:hover{text-decoration:underline}
td.size,th.size{text-align:right;font-variant-numeric:tabular-nums}
td.time{color:var(--muted);font-variant-numeric:tabular-nums}
.icon{width:16px;height:16px;vertical-align:-3px;margin-right:8px}
.icon.dir{fill:var(--folder)}.icon.file,.icon.up{fill:none;stroke:var(--muted);stroke-width:1.2}
footer{margin-top:16px;color:var(--muted);font-size:13px}
`

/**
 * Renders the HTML listing of a directory. `urlPath` is the decoded URL path of the directory
 * (with the mount prefix, ending in `/`); links are relative to it, percent-encoded, then
 * HTML-escaped.
 *
 * @example
 * ```ts
 * res.setHeader('Content-Type', 'text/html; charset=utf-8')
 * res.send(renderListingHtml('/files/', entries))
 * ```
 */
export function renderListingHtml(urlPath: string, entries: readonly ListingEntry[]): string {
  const links = breadcrumbs(urlPath).map((c, i, all) =>
    i === all.length - 1 && i > 0 ? `<span>${escapeHtml(c.name)}</span>` : `<a href="${escapeHtml(c.href)}">${escapeHtml(c.name)}</a>`,
  )
  const crumbs = links[0] + links.slice(1).map((l) => `${l}<span class="sep">/</span>`).join('')
  const rows: string[] = []
  if (urlPath !== '/') {
    rows.push(`<tr><td class="name">${icon('up')}<a href="../">..</a></td><td class="size"></td><td class="time"></td></tr>`)
  }
  const sorted = sortEntries(entries)
  for (const e of sorted) {
    const href = escapeHtml(encodeURIComponent(e.name) + (e.isDirectory ? '/' : ''))
    const label = escapeHtml(e.name + (e.isDirectory ? '/' : ''))
    rows.push(
      `<tr><td class="name">${icon(e.isDirectory ? 'dir' : 'file')}<a href="${href}">${label}</a></td>` +
        `<td class="size">${e.isDirectory ? '—' : humanSize(e.size)}</td><td class="time">${formatTime(e.mtimeMs)}</td></tr>`,
    )
  }
  const count = sorted.length
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Index of ${escapeHtml(urlPath)}</title><style>${STYLE}</style></head>
<body>${ICONS}<main>
<h1>Index of ${crumbs}</h1>
<table><thead><tr><th>Name</th><th class="size">Size</th><th>Modified (UTC)</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
<footer>${count} ${count === 1 ? 'entry' : 'entries'} · served by Portico</footer>
</main></body></html>
`
}

/**
 * The listing as JSON, for `Accept: application/json`: the same entries, sorted the same way.
 *
 * @example
 * ```ts
 * renderListingJson('/files/', entries)
 * // '{"path":"/files/","entries":[{"name":"docs","type":"directory",…}]}'
 * ```
 */
export function renderListingJson(urlPath: string, entries: readonly ListingEntry[]): string {
  return JSON.stringify({
    path: urlPath,
    entries: sortEntries(entries).map((e) => ({
      name: e.name,
      type: e.isDirectory ? 'directory' : 'file',
      size: e.isDirectory ? null : e.size,
      modified: new Date(e.mtimeMs).toISOString(),
      href: encodeURIComponent(e.name) + (e.isDirectory ? '/' : ''),
    })),
  })
}
