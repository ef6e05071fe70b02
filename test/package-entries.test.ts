import { it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { ROOT, requireDist } from './cli/cli-helpers.js'

/** What `import … from spec` gives a fresh process in the package root (package self-reference). */
function probe(spec: string, expr: string): string {
  requireDist()
  const code = `import * as m from ${JSON.stringify(spec)}; const { HTTPServer, createServer } = m; console.log(JSON.stringify(${expr}))`
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' }).trim()
}

const SEED_METHODS = ['setStaticDirectory', 'enableDirectoryListing', 'setCorsEnabled', 'setCorsOrigin', 'sendSseEvent', 'sendSseData', 'getActiveSseConnections', 'closeSseConnection', 'ws', 'sse']

it("portico/server alone gives HTTPServer every seed method (not only after 'portico' is imported)", () => {
  for (const spec of ['portico', 'portico/server']) {
    const types = JSON.parse(probe(spec, `${JSON.stringify(SEED_METHODS)}.map((k) => [k, typeof HTTPServer[k], typeof createServer()[k]])`)) as [string, string, string][]
    for (const [name, onSingleton, onCreated] of types) {
      assert.equal(onSingleton, 'function', `${spec}: HTTPServer.${name}`)
      assert.equal(onCreated, 'function', `${spec}: createServer().${name}`)
    }
  }
})
