#!/usr/bin/env node
// The `portico` command. The CLI itself lives in dist/cli/main.js (built by `npm run build`).
import { existsSync } from 'node:fs'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (existsSync(main)) {
  const { run } = await import(main.href)
  process.exitCode = await run(process.argv.slice(2))
} else {
  console.log('portico: the CLI is not built yet (run `npm run build`), or not written yet.')
}
