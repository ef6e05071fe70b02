import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { runGet, type GetIO } from '../../src/cli/get.js'
import { formatBytes, formatDuration, ProgressBar } from '../../src/cli/get-progress.js'
import { forwardProxy, httpServer, type Running } from './helpers.js'

const FILE = Buffer.from('0123456789'.repeat(1000))

function capture(): GetIO & { out: () => string; err: () => string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const o: Buffer[] = []
  const e: Buffer[] = []
  stdout.on('data', (c: Buffer) => o.push(c))
  stderr.on('data', (c: Buffer) => e.push(c))
  return Object.assign({ stdout, stderr }, {
    out: () => Buffer.concat(o).toString(),
    err: () => Buffer.concat(e).toString(),
  }) as GetIO & { out: () => string; err: () => string }
}

describe('portico get', () => {
  let server: Running<Server>
  const dir = mkdtempSync(join(tmpdir(), 'portico-get-'))
  before(async () => {
    server = await httpServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        if (req.url === '/file') {
          const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
          if (range !== null) {
            const start = Number(range[1])
            if (start >= FILE.length) {
              res.writeHead(416, { 'Content-Range': `bytes */${FILE.length}` })
              res.end()
              return
            }
            res.writeHead(206, { 'Content-Range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` })
            res.end(FILE.subarray(start))
            return
          }
          res.end(FILE)
          return
        }
        if (req.url === '/missing') {
          res.statusCode = 404
          res.end('nope')
          return
        }
        res.end(JSON.stringify({ method: req.method, body, header: req.headers['x-token'] }))
      })
    })
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('writes the body to stdout', async () => {
    const io = capture()
    assert.equal(await runGet([`${server.url}/echo`], io), 0)
    assert.deepEqual(JSON.parse(io.out()), { method: 'GET', body: '' })
  })

  it('sends -H headers, -X method and --data body', async () => {
    const io = capture()
    assert.equal(await runGet(['-X', 'put', '-H', 'X-Token: abc', '--data', 'payload', `${server.url}/echo`], io), 0)
    assert.deepEqual(JSON.parse(io.out()), { method: 'PUT', body: 'payload', header: 'abc' })
    const post = capture()
    assert.equal(await runGet(['get', '-d', 'x=1', `${server.url}/echo`], post), 0)
    assert.equal(JSON.parse(post.out()).method, 'POST')
  })

  it('downloads to a file with -o and prints nothing when not on a terminal', async () => {
    const io = capture()
    const path = join(dir, 'full.bin')
    assert.equal(await runGet(['-o', path, `${server.url}/file`], io), 0)
    assert.deepEqual(readFileSync(path), FILE)
    assert.equal(io.out(), '')
    assert.equal(io.err(), '')
  })

  it('resumes a partial file with --continue through a Range request', async () => {
    const path = join(dir, 'partial.bin')
    writeFileSync(path, FILE.subarray(0, 3000))
    assert.equal(await runGet(['-C', '-o', path, `${server.url}/file`], capture()), 0)
    assert.deepEqual(readFileSync(path), FILE)
    const again = capture()
    assert.equal(await runGet(['--continue', '-o', path, `${server.url}/file`], again), 0)
    assert.match(again.err(), /already complete/)
    assert.deepEqual(readFileSync(path), FILE)
  })

  it('draws a progress bar on a terminal', async () => {
    const io = capture()
    Object.assign(io.stderr, { isTTY: true, columns: 100 })
    assert.equal(await runGet(['-o', join(dir, 'bar.bin'), `${server.url}/file`], io), 0)
    assert.match(io.err(), /100% \[#+\] 9\.8 KiB \/ 9\.8 KiB/)
  })

  it('goes through --proxy', async () => {
    const proxy = await forwardProxy()
    const io = capture()
    assert.equal(await runGet(['--proxy', proxy.url, `${server.url}/echo`], io), 0)
    assert.equal(JSON.parse(io.out()).method, 'GET')
    assert.deepEqual(proxy.requests, [`GET ${server.url}/echo`])
    await proxy.close()
  })

  it('exits 1 on an HTTP error, 2 on a usage error, 3 on a network error', async () => {
    const missing = capture()
    assert.equal(await runGet([`${server.url}/missing`], missing), 1)
    assert.match(missing.err(), /HTTP 404/)
    assert.equal(await runGet([], capture()), 2)
    assert.equal(await runGet(['--bogus', server.url], capture()), 2)
    assert.equal(await runGet(['-C', server.url], capture()), 2)
    const help = capture()
    assert.equal(await runGet(['--help'], help), 0)
    assert.match(help.out(), /Usage: portico get/)
    const down = capture()
    assert.equal(await runGet(['--no-proxy', 'http://127.0.0.1:1/'], down), 3)
    assert.match(down.err(), /PORTICO_ERR_CANT_CONNECT/)
  })
})

describe('progress formatting', () => {
  it('formats sizes, durations and an unknown total', () => {
    assert.equal(formatBytes(512), '512 B')
    assert.equal(formatBytes(1536), '1.5 KiB')
    assert.equal(formatDuration(185), '3m05s')
    assert.equal(formatDuration(Infinity), '--')
    let text = ''
    const bar = new ProgressBar({ write: (t: string) => { text += t } }, -1)
    bar.update(2048)
    bar.finish()
    assert.match(text, /2\.0 KiB .*\/s/)
  })
})
