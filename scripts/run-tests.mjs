#!/usr/bin/env node
// Runs every compiled test file (build/test/**/*.test.js) with Node's own test runner.
// `npm test` type-checks and compiles first (the `pretest` script).
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) collect(p, out)
    else if (name.endsWith('.test.js')) out.push(p)
  }
  return out
}

const filter = process.argv.slice(2)
let files = collect('build/test', []).sort()
if (filter.length > 0) files = files.filter((f) => filter.some((x) => f.includes(x)))
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=120000', ...files], { stdio: 'inherit' })
process.exit(r.status ?? 1)
