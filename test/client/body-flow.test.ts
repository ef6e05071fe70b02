import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Server } from 'node:net'
import { gzipSync } from 'node:zlib'
import { Agent, request } from '../../src/client/index.js'
import { isPorticoError } from '../../src/errors.js'
import { scriptedServer, type Running } from './helpers.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const HIGH_WATER = 64 * 1024

describe('response bodies: backpressure, decoding and size limits', () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 97)
  // 8 MiB of zeros in about 8 KiB of gzip.
  const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024))
  let server: Running<Server> & { heads: string[] }
  let agent: Agent
  before(async () => {
    server = await scriptedServer((head, _i, socket) => {
      const path = head.split(' ')[1]
      if (path === '/big') {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`)
        socket.write(big)
      } else if (path === '/bomb') {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`)
        socket.write(bomb)
      } else if (path === '/mib') {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${1024 * 1024}\r\n\r\n`)
        socket.write(Buffer.alloc(1024 * 1024, 98))
      } else if (path === '/bad-gzip') {
        // A gzip header, then 1 MiB that does not inflate.
        const junk = Buffer.alloc(1024 * 1024, 0xff)
        gzipSync('x').copy(junk, 0, 0, 10)
        socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${junk.length}\r\n\r\n`)
        socket.write(junk)
      } else if (path === '/trailers') {
        const gz = gzipSync('hello trailers')
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\nTrailer: Server-Timing\r\n\r\n')
        socket.write(`${gz.length.toString(16)}\r\n`)
        socket.write(gz)
        socket.write('\r\n0\r\nServer-Timing: total;dur=12\r\nX-Check: a\r\nx-check: b\r\n\r\n')
      } else if (path === '/identity') {
        socket.write('HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello')
      }
    })
    agent = new Agent()
  })
  after(async () => {
    agent.destroy()
    await server.close()
  })

  it('exposes the trailers of a chunked (and decoded) body once it is read', async () => {
    const res = await request(`${server.url}/trailers`, { agent })
    assert.equal(await res.text(), 'hello trailers')
    assert.deepEqual({ ...res.trailers }, { 'server-timing': 'total;dur=12', 'x-check': 'a, b' })
  })

  it('keeps pausing the socket while a for-await reader is behind', async () => {
    const res = await request(`${server.url}/big`, { agent })
    const it = res.body[Symbol.asyncIterator]()
    const first = await it.next()
    let total = first.done === true ? 0 : first.value.length
    await sleep(100)
    assert.ok(res.body.buffered <= 2 * HIGH_WATER, `buffered ${res.body.buffered}`)
    for (let r = await it.next(); r.done !== true; r = await it.next()) total += r.value.length
    assert.equal(total, big.length)
  })

  it('holds back a compressed body that nobody reads, and one read slowly', async () => {
    const unread = await request(`${server.url}/bomb`, { agent })
    const slow = await request(`${server.url}/bomb`, { agent })
    await slow.body[Symbol.asyncIterator]().next()
    await sleep(100)
    assert.ok(unread.body.buffered <= 2 * HIGH_WATER, `unread buffered ${unread.body.buffered}`)
    assert.ok(slow.body.buffered <= 2 * HIGH_WATER, `slow buffered ${slow.body.buffered}`)
    await unread.body.dump()
    await slow.body.dump()
  })

  it('fails a decoded body past maxBodySize, with bytes() and with for await', async () => {
    const gathered = await request(`${server.url}/bomb`, { agent, maxBodySize: 1024 * 1024 })
    await assert.rejects(gathered.bytes(), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_RESPONSE_TOO_LARGE'))
    const streamed = await request(`${server.url}/bomb`, { agent, maxBodySize: 1024 * 1024 })
    await assert.rejects(async () => {
      for await (const chunk of streamed) assert.ok(chunk.length > 0)
    }, (e: unknown) => isPorticoError(e, 'PORTICO_ERR_RESPONSE_TOO_LARGE'))
    // The default (64 MiB) lets it through.
    assert.equal((await (await request(`${server.url}/bomb`, { agent })).bytes()).length, 8 * 1024 * 1024)
  })

  it('limits what bytes() gathers of a plain body, but not a for-await reader', async () => {
    const gathered = await request(`${server.url}/mib`, { agent, maxBodySize: 100_000 })
    await assert.rejects(gathered.text(), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_RESPONSE_TOO_LARGE'))
    const streamed = await request(`${server.url}/mib`, { agent, maxBodySize: 100_000 })
    let total = 0
    for await (const chunk of streamed) total += chunk.length
    assert.equal(total, 1024 * 1024)
  })

  it('reads the rest of a body that fails to decode, and reuses the connection', async () => {
    const own = new Agent()
    const res = await request(`${server.url}/bad-gzip`, { agent: own })
    await assert.rejects(res.text(), (e: unknown) => isPorticoError(e, 'PORTICO_ERR_DECOMPRESS'))
    for (let waited = 0; own.idleConnections === 0 && waited < 1000; waited += 10) await sleep(10)
    assert.equal(own.idleConnections, 1)
    assert.equal(await (await request(`${server.url}/identity`, { agent: own })).text(), 'hello')
    assert.equal(own.connections, 1)
    own.destroy()
  })

  it('reads a Content-Encoding: identity body as is', async () => {
    assert.equal(await (await request(`${server.url}/identity`, { agent })).text(), 'hello')
  })

  it('does not run the body timeout while the reader keeps the socket paused', async () => {
    const late = await request(`${server.url}/big`, { agent, timeout: { body: 50 } })
    await sleep(150)
    assert.equal((await late.bytes()).length, big.length)
    const slow = await request(`${server.url}/big`, { agent, timeout: { body: 50 } })
    let total = 0
    let first = true
    for await (const chunk of slow) {
      total += chunk.length
      if (first) await sleep(150)
      first = false
    }
    assert.equal(total, big.length)
  })
})
