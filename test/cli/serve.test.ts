import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { parseServeArgs, parseSize } from '../../src/cli/serve.js'
import { selfSignedFiles } from '../fixtures/tls.js'

const run = promisify(execFile)
const MAIN = fileURLToPath(new URL('./fixtures/serve-main.js', import.meta.url))

interface Running {
  child: ChildProcess
  url: string
  output: () => string
  exit: Promise<number>
}

function temp(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'portico-serve-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Starts the CLI and waits for the URL it prints. */
function serve(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const exit = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)))
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /(https?:\/\/127\.0\.0\.1:\d+\/)/.exec(out)
      if (m) resolve({ child, url: m[1], output: () => out, exit })
    })
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    void exit.then((code) => reject(new Error(`exited ${code}: ${out}`)))
  })
}

async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-s', '-S', '-o', '-', '-w', '\n%{http_code}', ...args])
  const cut = stdout.lastIndexOf('\n')
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) }
}

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args])
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

test('parses flags with their defaults', () => {
  const c = parseServeArgs([])
  assert.equal(c.port, 8080)
  assert.equal(c.addr, '127.0.0.1')
  assert.equal(c.listing, true)
  assert.equal(c.upload, false)
  const d = parseServeArgs(['-p', '9000', '-a', '0.0.0.0', '--no-listing', '--upload', '--max-upload', '2M', '--delete', '--cors', 'dir', '-j', '4', '--timeout', '30', '-q'])
  assert.equal(d.port, 9000)
  assert.equal(d.addr, '0.0.0.0')
  assert.equal(d.listing, false)
  assert.equal(d.maxUpload, 2 * 1024 * 1024)
  assert.equal(d.cors, '*')
  assert.ok(d.dir.endsWith('/dir'))
  assert.equal(d.maxConnections, 4)
  assert.equal(d.timeout, 30)
  assert.equal(d.quiet, true)
  assert.equal(parseServeArgs(['--cors', 'https://a.example']).cors, 'https://a.example')
})

test('reads sizes with units', () => {
  assert.equal(parseSize('512'), 512)
  assert.equal(parseSize('1K'), 1024)
  assert.equal(parseSize('1.5MiB'), 1.5 * 1024 * 1024)
  assert.equal(parseSize('2g'), 2 * 1024 ** 3)
  assert.throws(() => parseSize('lots'))
})

test('--help documents every option', async () => {
  const r = await runCli(['--help'])
  assert.equal(r.code, 0)
  for (const flag of ['--port', '--addr', '--listing', '--no-listing', '--upload', '--max-upload', '--delete', '--cors', '--gzip', '--tls-key', '--tls-cert', '--max-connections', '--timeout', '--quiet', '--help']) {
    assert.ok(r.stdout.includes(flag), flag)
  }
})

test('a bad flag exits 2 with one clear line and no stack', async () => {
  const r = await runCli(['--bogus'])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /^portico serve: .*--bogus/)
  assert.ok(!r.stderr.includes('    at '))
  const p = await runCli(['--port', 'abc'])
  assert.equal(p.code, 2)
  assert.match(p.stderr, /--port needs a whole number/)
})

test('a busy port exits 1 with a clear message', async () => {
  const blocker = net.createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  const port = (blocker.address() as net.AddressInfo).port
  const t = temp()
  try {
    const r = await runCli(['-p', String(port), t.dir])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, `portico serve: port ${port} on 127.0.0.1 is already in use\n`)
  } finally {
    blocker.close()
    t.remove()
  }
})

test('a missing directory exits 1 with a clear message', async () => {
  const r = await runCli(['/nonexistent/portico-dir'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /is not a directory/)
})

test('curl uploads, lists, downloads a range, deletes; Ctrl-C stops gracefully', async () => {
  const t = temp()
  mkdirSync(join(t.dir, 'sub'))
  const upload = join(t.dir, '..', `upload-${process.pid}.txt`)
  writeFileSync(upload, 'hello from curl\n')
  const tooBig = join(t.dir, '..', `big-${process.pid}.bin`)
  writeFileSync(tooBig, Buffer.alloc(4096, 1))
  const s = await serve(['-p', '0', '--upload', '--delete', '--max-upload', '1K', t.dir])
  try {
    const put = await curl(['-T', upload, `${s.url}sub/notes.txt`])
    assert.equal(put.status, 201)
    assert.equal(readFileSync(join(t.dir, 'sub', 'notes.txt'), 'utf8'), 'hello from curl\n')
    assert.deepEqual(readdirSync(join(t.dir, 'sub')), ['notes.txt'], 'no temporary file left')
    const again = await curl(['-T', upload, `${s.url}sub/notes.txt`])
    assert.equal(again.status, 204)
    const big = await curl(['-T', tooBig, `${s.url}big.bin`])
    assert.equal(big.status, 413)
    assert.ok(!existsSync(join(t.dir, 'big.bin')))
    const html = await curl([`${s.url}sub/`])
    assert.equal(html.status, 200)
    assert.ok(html.body.includes('href="notes.txt"'))
    const json = await curl(['-H', 'Accept: application/json', `${s.url}sub/`])
    assert.equal(JSON.parse(json.body).entries[0].name, 'notes.txt')
    const range = await curl(['-r', '6-9', `${s.url}sub/notes.txt`])
    assert.equal(range.status, 206)
    assert.equal(range.body, 'from')
    const del = await curl(['-X', 'DELETE', `${s.url}sub/notes.txt`])
    assert.equal(del.status, 204)
    assert.equal((await curl([`${s.url}sub/notes.txt`])).status, 404)
    const escape = await curl(['--path-as-is', `${s.url}..%2f..%2fetc/passwd`])
    assert.equal(escape.status, 403)
    s.child.kill('SIGINT')
    assert.equal(await s.exit, 0)
    assert.match(s.output(), /PUT \/sub\/notes\.txt 201/)
    assert.match(s.output(), /GET \/sub\/notes\.txt 404/)
  } finally {
    s.child.kill('SIGKILL')
    t.remove()
    rmSync(upload, { force: true })
    rmSync(tooBig, { force: true })
  }
})

test('--cors, --gzip, --no-listing and --quiet do what they say', async () => {
  const t = temp()
  writeFileSync(join(t.dir, 'page.txt'), 'compress me please '.repeat(200))
  mkdirSync(join(t.dir, 'empty'))
  const s = await serve(['-p', '0', '--cors', '--gzip', '--no-listing', '-q', t.dir])
  try {
    const { stdout } = await run('curl', ['-s', '-D', '-', '-o', '/dev/null', '-H', 'Origin: https://x.example', '-H', 'Accept-Encoding: gzip', `${s.url}page.txt`])
    assert.match(stdout, /access-control-allow-origin: \*/i)
    assert.match(stdout, /content-encoding: gzip/i)
    const pre = await curl(['-X', 'OPTIONS', '-H', 'Origin: https://x.example', '-H', 'Access-Control-Request-Method: GET', `${s.url}page.txt`])
    assert.equal(pre.status, 204)
    assert.equal((await curl([`${s.url}empty/`])).status, 404)
    const text = await curl(['--compressed', `${s.url}page.txt`])
    assert.equal(text.body, 'compress me please '.repeat(200))
    s.child.kill('SIGINT')
    assert.equal(await s.exit, 0)
    assert.ok(!s.output().includes('GET /page.txt'))
  } finally {
    s.child.kill('SIGKILL')
    t.remove()
  }
})

test('--tls-key and --tls-cert serve HTTPS', async () => {
  const t = temp()
  writeFileSync(join(t.dir, 'hello.txt'), 'over TLS')
  // Outside the served directory, so the key is never served.
  const certDir = mkdtempSync(join(tmpdir(), 'portico-cli-tls-'))
  const { keyFile, certFile } = selfSignedFiles(certDir)
  const s = await serve(['-p', '0', '-q', '--tls-key', keyFile, '--tls-cert', certFile, t.dir])
  try {
    assert.ok(s.url.startsWith('https://'))
    const r = await curl(['-k', `${s.url}hello.txt`])
    assert.equal(r.status, 200)
    assert.equal(r.body, 'over TLS')
    s.child.kill('SIGINT')
    assert.equal(await s.exit, 0)
  } finally {
    s.child.kill('SIGKILL')
    t.remove()
    rmSync(certDir, { recursive: true, force: true })
  }
})
