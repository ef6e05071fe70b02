/**
 * A named pipe (FIFO) in a served tree must never be opened for reading: `open(2)` would wait
 * for a writer, holding one of libuv's four pool threads; four such requests stall every file
 * request of the process. Pipes stand as the file, as a precompressed sibling and as an index.
 */
import { test, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { closeSync, constants, mkdirSync, openSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import type { Server } from '../../src/server/index.js'
import { started, tempDir } from './helpers.js'

const base = tempDir('fifo')
const www = join(base.dir, 'www')
const APP_JS = 'console.log("identity");\n'.repeat(50)
const fifos = [join(www, 'pipe'), join(www, 'app.js.gz'), join(www, 'app.js.br'), join(www, 'dir', 'index.html')]
mkdirSync(join(www, 'dir'), { recursive: true })
writeFileSync(join(www, 'ok.txt'), 'fine\n')
writeFileSync(join(www, 'app.js'), APP_JS)
let skip: string | false = false
try {
  for (const f of fifos) execFileSync('mkfifo', [f], { stdio: 'ignore' })
} catch {
  skip = 'mkfifo is not available'
}

let server: Server
let port: number

before(async () => {
  server = await started((s) => s.serveStatic('/', www))
  port = server.getPort()
})

// Each test on its own: a blocked pool (the bug) is released before the next one.
afterEach(() => releaseBlockedReaders())

after(async () => {
  await server.stop({ graceful: false })
  base.remove()
})

/**
 * Opens each pipe for writing until no reader waits on it any more, so a server that did
 * block in `open` (the bug) lets its pool threads go and the test process can exit.
 */
async function releaseBlockedReaders(): Promise<void> {
  if (skip !== false) return
  let quiet = 0
  for (let round = 0; round < 100 && quiet < 3; round++) {
    let anyReader = false
    for (const f of fifos) {
      try {
        closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK))
        anyReader = true
      } catch {
        // ENXIO: no reader is waiting on this pipe.
      }
    }
    quiet = anyReader ? 0 : quiet + 1
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A GET over a fresh socket: the status and body, or status 0 when no answer came within `ms`. */
function get(path: string, headers: Record<string, string> = {}, ms = 1500): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let data = ''
    const timer = setTimeout(() => socket.destroy(), ms)
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => (data += d))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      const [head = '', body = ''] = data.split('\r\n\r\n')
      resolve({ status: data === '' ? 0 : Number(data.slice(9, 12)), head, body })
    })
    const fields = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n${fields}Connection: close\r\n\r\n`)
  })
}

/** More requests than libuv has pool threads, all at once. */
const burst = <T>(fn: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: 6 }, fn))

test('answers 404 to a named pipe at once and keeps serving files', { skip }, async () => {
  const answers = await burst(() => get('/pipe'))
  assert.deepEqual(
    answers.map((a) => a.status),
    [404, 404, 404, 404, 404, 404],
  )
  assert.equal((await get('/ok.txt?after-pipe')).status, 200)
})

test('never opens a named pipe standing as a precompressed sibling: sends the file itself', { skip }, async () => {
  const answers = await burst(() => get('/app.js', { 'Accept-Encoding': 'br, gzip' }))
  for (const a of answers) {
    assert.equal(a.status, 200)
    assert.doesNotMatch(a.head, /content-encoding/i)
    assert.equal(a.body, APP_JS)
  }
  assert.equal((await get('/ok.txt?after-sibling')).status, 200)
})

test('never opens a named pipe standing as an index file', { skip }, async () => {
  const answers = await burst(() => get('/dir/'))
  assert.deepEqual(
    answers.map((a) => a.status),
    [404, 404, 404, 404, 404, 404],
  )
  assert.equal((await get('/ok.txt?after-index')).status, 200)
})
