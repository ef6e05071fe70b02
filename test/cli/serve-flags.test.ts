// `portico serve` through the real command (bin/portico.js → dist/): the flags that install
// middleware (CORS, compression, uploads) must work without any import a test could supply.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { startCli } from './cli-helpers.js'

test('portico serve --listing --upload --cors --gzip: CORS headers, gzip, an upload, from the real CLI', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-serve-flags-'))
  const text = 'portico '.repeat(400)
  writeFileSync(join(dir, 'big.txt'), text)
  const serve = await startCli(['serve', '-p', '0', '--quiet', '--listing', '--upload', '--cors', '--gzip', dir])
  try {
    const res = await fetch(serve.url + 'big.txt', { headers: { Origin: 'https://site.example', 'Accept-Encoding': 'gzip' } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('access-control-allow-origin'), '*')
    assert.equal(res.headers.get('content-encoding'), 'gzip')
    // fetch decodes gzip itself; the body must be the file.
    assert.equal(await res.text(), text)
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:http').then(({ get }) => {
        get(serve.url + 'big.txt', { headers: { 'Accept-Encoding': 'gzip' } }, (r) => {
          const parts: Buffer[] = []
          r.on('data', (d: Buffer) => parts.push(d))
          r.on('end', () => resolve(Buffer.concat(parts)))
        }).on('error', reject)
      }, reject)
    })
    assert.equal(gunzipSync(raw).toString(), text)
    const put = await fetch(serve.url + 'up.txt', { method: 'PUT', body: 'uploaded' })
    assert.ok(put.status === 201 || put.status === 204 || put.status === 200, `upload answered ${put.status}`)
    assert.equal(readFileSync(join(dir, 'up.txt'), 'utf8'), 'uploaded')
    const preflight = await fetch(serve.url + 'big.txt', {
      method: 'OPTIONS',
      headers: { Origin: 'https://site.example', 'Access-Control-Request-Method': 'PUT' },
    })
    assert.equal(preflight.status, 204)
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PUT/)
  } finally {
    assert.equal(await serve.stop(), 0)
    rmSync(dir, { recursive: true, force: true })
  }
})
