// `portico get` to stdout and terminals, redirects and --timeout: a reader that goes away, a
// binary body on a terminal, redirects -L cannot follow, a timeout Node cannot hold.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { parseTimeout } from '../../src/cli/get-args.js'
import { runGet, type GetIO } from '../../src/cli/get.js'
import { ProgressBar } from '../../src/cli/get-progress.js'
import { BIN, requireDist, runCli } from './cli-helpers.js'
import { assertOneLine, getServer, type GetServer } from './get-fixtures.js'

/** Streams that record what was written; `tty` makes stdout look like a terminal. */
function capture(tty = false): GetIO & { out: () => Buffer; err: () => string } {
  const stdout = Object.assign(new PassThrough(), tty ? { isTTY: true } : {})
  const stderr = new PassThrough()
  const o: Buffer[] = []
  const e: Buffer[] = []
  stdout.on('data', (c: Buffer) => o.push(c))
  stderr.on('data', (c: Buffer) => e.push(c))
  return Object.assign({ stdout, stderr }, { out: () => Buffer.concat(o), err: () => Buffer.concat(e).toString() })
}

describe('portico get to stdout', () => {
  let server: GetServer
  const dir = mkdtempSync(join(tmpdir(), 'portico-get-out-'))
  before(async () => {
    server = await getServer()
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('stops quietly, exit 0, when the reader of stdout goes away (| head -c 10)', async () => {
    requireDist()
    const child = spawn(process.execPath, [BIN, 'get', '-s', server.url + '/big'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    child.stdout.destroy()
    assert.equal(await code, 0, stderr)
    assert.equal(stderr, '')
  })

  it('refuses a binary body on a terminal (by Content-Type, or a NUL byte), with a hint: exit 2', async () => {
    for (const path of ['/bin', '/nul']) {
      const io = capture(true)
      assert.equal(await runGet([server.url + path], io), 2)
      assert.equal(io.out().length, 0, 'nothing reached the terminal')
      assert.match(io.err(), /^portico get: not printing a binary body.* to the terminal; save it with -o FILE/)
    }
    const text = capture(true)
    assert.equal(await runGet([server.url + '/ok'], text), 0)
    assert.equal(text.out().toString(), 'hello\n')
    const forced = capture(true)
    assert.equal(await runGet(['-o', '-', server.url + '/bin'], forced), 0)
    assert.equal(forced.out().length, 8)
    const piped = capture(false)
    assert.equal(await runGet([server.url + '/bin'], piped), 0)
    assert.equal(piped.out().length, 8)
  })

  it('with -L, a redirect it cannot follow is an error (exit 1) and writes no file', async () => {
    const ftp = join(dir, 'ftp.txt')
    const r = await runCli(['get', '-s', '-L', '-o', ftp, server.url + '/toftp'])
    assert.equal(r.code, 1, r.stderr)
    assertOneLine(r.stderr, /not following redirect to ftp:\/\/127\.0\.0\.1\/x \(only http and https are followed\)/)
    assert.equal(existsSync(ftp), false)
    assert.equal(existsSync(ftp + '.part'), false)
    const bad = await runCli(['get', '-s', '-L', server.url + '/badloc'])
    assert.equal(bad.code, 1, bad.stderr)
    assertOneLine(bad.stderr, /not following redirect to http:\/\/\[::1 \(not a valid URL\)/)
  })

  it('without -L, a redirect is the answer, with a hint on stderr (exit 0)', async () => {
    const io = capture()
    assert.equal(await runGet(['-s', server.url + '/loop'], io), 0)
    assert.equal(io.out().toString(), 'see /loop\n')
    assert.equal(io.err(), 'portico get: HTTP 302 Found (redirect to /loop; use -L to follow)\n')
  })

  it('--timeout must be finite and fit a Node timer: one line, exit 2', async () => {
    for (const value of ['3000000', '1e400', 'Infinity', '0', '-1']) {
      const r = await runCli(['get', '--timeout', value, server.url + '/ok'])
      assert.equal(r.code, 2, `${value}: ${r.stderr}`)
      const [first, ...rest] = r.stderr.trimEnd().split('\n')
      assert.match(first, /^portico get: --timeout needs seconds above 0 and at most 2147483/)
      assert.deepEqual(rest, ["Try 'portico get --help'."])
    }
    assert.equal(parseTimeout('2147483'), 2147483)
    assert.equal(parseTimeout('0.5'), 0.5)
  })
})

describe('portico get progress bar', () => {
  it('draws the whole line when the terminal reports 0 columns', () => {
    let text = ''
    const bar = new ProgressBar({ write: (t: string) => void (text += t), columns: 0 }, 2048)
    bar.update(2048)
    bar.finish()
    assert.match(text, /100% \[#+\] 2\.0 KiB \/ 2\.0 KiB .*ETA 0s/)
  })
})
