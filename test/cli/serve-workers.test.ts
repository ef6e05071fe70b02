import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fetchText, startCli } from './cli-helpers.js'

test('serve --workers 2 serves the directory from two processes and stops on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-serve-workers-'))
  writeFileSync(join(dir, 'hello.txt'), 'hello from a worker\n')
  const serve = await startCli(['serve', '-p', '0', '--workers', '2', '--quiet', dir])
  try {
    assert.match(serve.output(), /2 workers \(pids \d+, \d+\)/)
    for (let i = 0; i < 4; i++) {
      const r = await fetchText(serve.url + 'hello.txt', { headers: { Connection: 'close' } })
      assert.equal(r.status, 200)
      assert.equal(r.body, 'hello from a worker\n')
    }
  } finally {
    assert.equal(await serve.stop(), 0)
    rmSync(dir, { recursive: true, force: true })
  }
})
