import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { request, tempDir } from './helpers.js'

const SIZE = 100 * 1024 * 1024

test('streams a 100 MiB file to a slow reader with the server RSS under 100 MiB above its start', async (t) => {
  const files = tempDir('large')
  const script = fileURLToPath(new URL('./fixtures/large-file-server.js', import.meta.url))
  const child = fork(script, [files.dir], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv: ['--expose-gc'] })
  try {
    const { port, rss } = await new Promise<{ port: number; rss: number }>((resolve, reject) => {
      child.stdout?.once('data', (d: Buffer) => resolve(JSON.parse(d.toString())))
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)))
    })
    let received = 0
    let mismatch = -1
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/files/large.bin', agent: false }, (res) => {
          assert.equal(res.headers['content-length'], String(SIZE))
          res.pause()
          // A slow start: the server must wait for the socket instead of reading ahead.
          setTimeout(() => res.resume(), 300)
          res.on('data', (chunk: Buffer) => {
            for (let i = 0; i < chunk.length; i += 4099) if (mismatch < 0 && chunk[i] !== (received + i) % 251) mismatch = received + i
            received += chunk.length
            if (received % (16 * 1024 * 1024) < chunk.length) {
              res.pause()
              setTimeout(() => res.resume(), 50)
            }
          })
          res.on('end', resolve)
          res.on('error', reject)
        })
        .on('error', reject)
    })
    assert.equal(received, SIZE)
    assert.equal(mismatch, -1, `wrong byte at ${mismatch}`)
    const { peak } = JSON.parse((await request(port, '/__peak')).text) as { peak: number }
    t.diagnostic(`server RSS growth ${((peak - rss) / 1048576).toFixed(1)} MiB`)
    assert.ok(peak - rss < 100 * 1024 * 1024, `server RSS grew by ${((peak - rss) / 1048576).toFixed(1)} MiB`)
  } finally {
    child.send('stop')
    await new Promise((resolve) => child.once('exit', resolve))
    files.remove()
  }
})
