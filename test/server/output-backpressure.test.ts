import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import type { Server } from '../../src/server/index.js'
import { sleep, started } from './helpers.js'

const BODY = 256 * 1024
const COUNT = 200

/** Largest `writableLength` of the server's sockets seen while polling for `ms`. */
async function peakBuffered(server: Server, ms: number): Promise<number> {
  let peak = 0
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    for (const c of server.connections) peak = Math.max(peak, c.socket.writableLength)
    await sleep(5)
  }
  return peak
}

/** Connects a client that does not read until `readAll()`, which reads until the server closes. */
async function silentClient(port: number): Promise<{ socket: net.Socket; readAll: () => Promise<Buffer> }> {
  const socket = net.connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  socket.pause()
  const readAll = (): Promise<Buffer> =>
    new Promise((resolve) => {
      const parts: Buffer[] = []
      socket.on('data', (d: Buffer) => parts.push(d))
      socket.once('close', () => resolve(Buffer.concat(parts)))
      socket.resume()
    })
  return { socket, readAll }
}

/** Splits `data` into `Content-Length` responses; returns their bodies. */
function bodies(data: Buffer): string[] {
  const out: string[] = []
  let p = 0
  while (p < data.length) {
    const end = data.indexOf('\r\n\r\n', p, 'latin1')
    assert.ok(end > 0, 'incomplete head at ' + p)
    const head = data.toString('latin1', p, end)
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/)
    const length = Number(/\r\nContent-Length: (\d+)/i.exec(head)?.[1])
    out.push(data.toString('latin1', end + 4, end + 4 + length))
    p = end + 4 + length
  }
  return out
}

/** Request `i` of `count`; the last one closes the connection, so that the client reads until close. */
const request = (i: number, count = COUNT): string => `GET /big/${i} HTTP/1.1\r\nHost: x\r\n${i === count - 1 ? 'Connection: close\r\n' : ''}\r\n`

describe('output backpressure: a client that pipelines and does not read', () => {
  it('stops answering pipelined requests while the socket write buffer is over its high-water mark', async () => {
    let handled = 0
    const s = await started((s) => s.get('/big/{i}', (req) => {
      handled++
      return `${req.params.i}:`.padEnd(BODY, 'x')
    }))
    const c = await silentClient(s.getPort())
    // one write: every request arrives in the same read, parsed in one go
    let all = ''
    for (let i = 0; i < COUNT; i++) all += request(i)
    c.socket.write(all)
    const peak = await peakBuffered(s, 400)
    assert.ok(peak < 2 * 1024 * 1024, `server buffered ${(peak / 1048576).toFixed(1)} MiB for a client that reads nothing`)
    assert.ok(handled < COUNT, `all ${handled} handlers ran`)
    const got = bodies(await c.readAll())
    assert.equal(got.length, COUNT)
    got.forEach((body, i) => {
      assert.equal(body.length, BODY)
      assert.ok(body.startsWith(`${i}:x`), `response ${i} out of order: ${body.slice(0, 10)}`)
    })
    c.socket.destroy()
    await s.stop()
  })

  it('keeps reading requests pipelined over many writes only as the client reads', async () => {
    const s = await started((s) => s.get('/big/{i}', (req) => `${req.params.i}:`.padEnd(BODY, 'x')))
    const c = await silentClient(s.getPort())
    for (let i = 0; i < COUNT; i += 20) {
      let batch = ''
      for (let j = i; j < i + 20; j++) batch += request(j)
      c.socket.write(batch)
      await sleep(5)
    }
    const peak = await peakBuffered(s, 300)
    assert.ok(peak < 2 * 1024 * 1024, `server buffered ${(peak / 1048576).toFixed(1)} MiB`)
    const got = bodies(await c.readAll())
    assert.equal(got.length, COUNT)
    got.forEach((body, i) => assert.ok(body.startsWith(`${i}:x`), `response ${i} out of order`))
    c.socket.destroy()
    await s.stop()
  })

  it('starts at most maxPendingResponses handlers for requests pipelined in one read', async () => {
    let running = 0
    let peak = 0
    const s = await started((s) => s.get('/big/{i}', async (req) => {
      running++
      peak = Math.max(peak, running)
      await sleep(5)
      running--
      return `${req.params.i}:`.padEnd(BODY, 'x')
    }), { maxPendingResponses: 8 })
    const c = await silentClient(s.getPort())
    let all = ''
    for (let i = 0; i < 100; i++) all += request(i, 100)
    c.socket.write(all)
    const buffered = await peakBuffered(s, 300)
    assert.ok(peak <= 8, `${peak} handlers ran at once`)
    assert.ok(buffered < 4 * 1024 * 1024, `server buffered ${(buffered / 1048576).toFixed(1)} MiB`)
    const got = bodies(await c.readAll())
    assert.equal(got.length, 100)
    got.forEach((body, i) => assert.ok(body.startsWith(`${i}:x`), `response ${i} out of order`))
    c.socket.destroy()
    await s.stop()
  })
})
