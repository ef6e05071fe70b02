/**
 * The small folder the demo serves under `/files/`: written to a temporary directory at start
 * and removed at stop.
 * @module
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const LOREM = 'Portico serves files with ranges, validators and compression. '.repeat(200)

/** The files, by relative path. */
const FILES: Record<string, string> = {
  'README.txt': 'Sample files of the Portico demo.\nTry a range: curl -r 0-15 http://127.0.0.1:8080/files/README.txt\n',
  'hello.html': '<!DOCTYPE html><meta charset="utf-8"><title>Hello</title><h1>Hello from a static file</h1>\n',
  'data.json': JSON.stringify({ name: 'portico', features: ['http1', 'router', 'static', 'sse', 'websocket', 'hub'] }, null, 2) + '\n',
  'lorem.txt': LOREM + '\n',
  'notes/todo.md': '# To do\n\n- [x] serve files\n- [x] list directories\n- [ ] take a break\n',
  'notes/ideas.md': '# Ideas\n\nA chat, a clock, a REST API — all on one port.\n',
}

/**
 * Writes the sample files to a new temporary directory; `remove()` deletes it.
 *
 * @example
 * ```ts
 * const files = await createSampleFiles()
 * mountStatic(server, '/files', files.dir, { listing: true })
 * server.onStop(() => files.remove())
 * ```
 */
export async function createSampleFiles(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-demo-'))
  for (const [path, text] of Object.entries(FILES)) {
    const file = join(dir, path)
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, text)
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
