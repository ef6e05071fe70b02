import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { RawClient, get, sleep, started, statusLines } from './helpers.js'
import type { Server } from '../../src/server/index.js'

const expecting = (method: string, path: string, length: number): string =>
  `${method} ${path} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\n\r\n`

/**
 * Sends an `Expect: 100-continue` head, waits for the final answer, then (as a client that
 * honours it and sends no body) its next request; returns everything read until close.
 */
async function answeredWithoutContinue(s: Server, head: string): Promise<string> {
  const c = await RawClient.connect(s.getPort())
  c.write(head)
  await c.until((d) => /\r\n\r\n[^]*\n$/.test(d))
  c.write(get('/secret'))
  const data = await c.closedByPeer(3000)
  return data
}

function routes(s: Server): void {
  s.post('/upload', async (req) => `got ${(await req.bytes()).length}\n`)
  s.get('/secret', () => 'SECRET\n')
}

describe('Expect: 100-continue answered without 100 (RFC 9110 §10.1.1)', () => {
  it('closes after a 404 to an Expect request with a body instead of reading the next request as its body', async () => {
    const s = await started(routes)
    const data = await answeredWithoutContinue(s, expecting('POST', '/nowhere', 34))
    assert.deepEqual(statusLines(data), ['HTTP/1.1 404 Not Found'])
    assert.match(data, /\r\nConnection: close\r\n/)
    assert.doesNotMatch(data, /100 Continue|SECRET/)
    await s.stop()
  })

  it('closes after a 405 to an Expect request with a body', async () => {
    const s = await started(routes)
    const data = await answeredWithoutContinue(s, expecting('POST', '/secret', 34))
    assert.deepEqual(statusLines(data), ['HTTP/1.1 405 Method Not Allowed'])
    assert.match(data, /\r\nConnection: close\r\n/)
    assert.doesNotMatch(data, /SECRET/)
    await s.stop()
  })

  it('closes after an unmatched answer given through server middlewares', async () => {
    const s = await started((s) => {
      routes(s)
      s.use(async (_req, res, next) => {
        res.setHeader('X-Mw', '1')
        await next()
      })
    })
    const data = await answeredWithoutContinue(s, expecting('PUT', '/nowhere', 34))
    assert.deepEqual(statusLines(data), ['HTTP/1.1 404 Not Found'])
    assert.match(data, /\r\nX-Mw: 1\r\n/)
    assert.match(data, /\r\nConnection: close\r\n/)
    assert.doesNotMatch(data, /SECRET/)
    await s.stop()
  })

  it('closes after 413 and accept() refusals to an Expect request', async () => {
    const s = await started((s) => {
      routes(s)
      s.post('/guarded', () => 'never', { accept: () => [403, 'Forbidden'] })
    }, { maxRequestSize: 1024 })
    for (const [head, status] of [[expecting('POST', '/upload', 5000), '413'], [expecting('POST', '/guarded', 40), '403']]) {
      const data = await answeredWithoutContinue(s, head)
      assert.equal(statusLines(data).length, 1, data)
      assert.match(statusLines(data)[0], new RegExp(`^HTTP/1.1 ${status} `))
      assert.match(data, /\r\nConnection: close\r\n/)
      assert.doesNotMatch(data, /SECRET/)
    }
    await s.stop()
  })

  it('keeps the connection after a 404 to an Expect request without a body', async () => {
    const s = await started(routes)
    const c = await RawClient.connect(s.getPort())
    c.write('GET /nowhere HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n' + get('/secret'))
    const data = await c.until((d) => d.includes('SECRET\n'))
    assert.deepEqual(statusLines(data), ['HTTP/1.1 404 Not Found', 'HTTP/1.1 200 OK'])
    c.close()
    await s.stop()
  })

  it('still sends 100 Continue and keeps the connection for a matched route', async () => {
    const s = await started(routes)
    const c = await RawClient.connect(s.getPort())
    c.write(expecting('POST', '/upload', 5))
    await c.until((d) => d.includes('100 Continue\r\n\r\n'))
    c.write('hello' + get('/secret'))
    const data = await c.until((d) => d.includes('SECRET\n'))
    assert.deepEqual(statusLines(data), ['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'])
    assert.match(data, /got 5\n/)
    await sleep(20)
    assert.equal(c.closed, false)
    c.close()
    await s.stop()
  })
})
