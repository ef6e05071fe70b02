// The server commands through the real command: a second Ctrl-C exits 130, a negative value
// gets a clear message, and a missing TLS file under --workers is one line from the primary.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, startCli, type Running } from './cli-helpers.js'

/** Opens a request whose body never fully arrives, so a graceful stop has something to wait for. */
function hangingRequest(port: number, head: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head + 'Content-Length: 1000\r\n\r\n0123456789')
      setTimeout(() => resolve(socket), 200)
    })
    socket.on('error', () => {})
    socket.once('error', reject)
  })
}

/** Sends Ctrl-C, waits until the command says it is stopping, sends Ctrl-C again; resolves the exit code. */
async function ctrlCTwice(running: Running): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => running.child.once('exit', (code) => resolve(code)))
  running.child.kill('SIGINT')
  for (let i = 0; i < 100 && !running.output().includes('Stopping'); i++) await new Promise((r) => setTimeout(r, 20))
  assert.match(running.output(), /Stopping/)
  running.child.kill('SIGINT')
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 10_000)
  const code = await exited
  clearTimeout(timer)
  return code
}

test('serve: a second Ctrl-C during the graceful stop exits 130', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-stop-'))
  const serve = await startCli(['serve', '-p', '0', '-q', '--upload', dir])
  const socket = await hangingRequest(serve.port, 'PUT /slow.txt HTTP/1.1\r\nHost: x\r\n')
  try {
    assert.equal(await ctrlCTwice(serve), 130)
    assert.match(serve.output(), /Forcing stop/)
  } finally {
    socket.destroy()
    await serve.stop('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
})

test('demo: a second Ctrl-C during the graceful stop exits 130', async () => {
  const demo = await startCli(['demo', '-p', '0', '-q'])
  const socket = await hangingRequest(demo.port, 'POST /api/data HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n')
  try {
    assert.equal(await ctrlCTwice(demo), 130)
  } finally {
    socket.destroy()
    await demo.stop('SIGKILL')
  }
})

test('serve --timeout -1 (and other negative values) says what the flag needs', async () => {
  for (const args of [['--timeout', '-1'], ['-p', '-1'], ['-j', '-3']]) {
    const r = await runCli(['serve', ...args, tmpdir()])
    assert.equal(r.code, 2, r.stderr)
    assert.doesNotMatch(r.stderr, /ambiguous/)
    assert.match(r.stderr, new RegExp(`^portico serve: --[a-z-]+ needs .*'${args[1]}'`))
  }
  const big = await runCli(['serve', '--timeout', '3000000', tmpdir()])
  assert.equal(big.code, 2)
  assert.match(big.stderr, /--timeout needs whole seconds from 0 \(never\) to 2147483/)
  const none = await runCli(['serve', '--port', '--quiet', tmpdir()])
  assert.equal(none.code, 2)
  assert.match(none.stderr, /^portico serve: --port needs a value\n/)
})

test('serve --workers 2 with a missing TLS file: one line from the primary, exit 1, no worker starts', async () => {
  const missing = join(tmpdir(), `portico-missing-${process.pid}.pem`)
  for (const extra of [['--workers', '2'], []]) {
    const r = await runCli(['serve', '-p', '0', ...extra, '--tls-key', missing, '--tls-cert', missing, tmpdir()])
    assert.equal(r.code, 1, r.stderr)
    assert.equal(r.stderr, `portico serve: TLS file not found: ${missing}\n`)
    assert.doesNotMatch(r.stdout, /workers \(pids/)
  }
})
