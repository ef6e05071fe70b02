import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isPorticoError } from '../../src/errors.js'
import type { PorticoRequest } from '../../src/server/index.js'
import { RawClient, get, sleep, started, statusLines } from './helpers.js'

const head = (path: string, length: number): string => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`

describe('request bodies nobody reads', () => {
  it('reads on after a stream route answers without reading a large body', async () => {
    const s = await started((s) => {
      s.post('/up', async (_req, res) => {
        await sleep(20)
        res.setStatus(403).send('no')
      }, { stream: true })
      s.get('/next', () => 'next')
    }, { requestTimeout: 10_000 })
    const c = await RawClient.connect(s.getPort())
    const body = Buffer.alloc(300 * 1024, 0x61)
    c.write(head('/up', body.length)).write(body)
    await sleep(20)
    c.write(get('/next'))
    const data = await c.until((d) => d.includes('\r\n\r\nnext'), 2000)
    assert.deepEqual(statusLines(data), ['HTTP/1.1 403 Forbidden', 'HTTP/1.1 200 OK'])
    c.close()
    await s.stop()
  })

  it('reads on after a handler leaves its body loop early (stream route and buffered route)', async () => {
    const half = async (req: PorticoRequest<any>): Promise<string> => {
      let n = 0
      for await (const chunk of req.body) {
        n += chunk.length
        if (n > 1000) break
      }
      return 'stopped'
    }
    const s = await started((s) => {
      s.post('/stream', half, { stream: true })
      s.post('/buffered', half, { maxRequestSize: 4 * 1024 * 1024 })
      s.get('/next', () => 'next')
    }, { requestTimeout: 10_000 })
    for (const path of ['/stream', '/buffered']) {
      const c = await RawClient.connect(s.getPort())
      const body = Buffer.alloc(1024 * 1024, 0x61)
      c.write(head(path, body.length)).write(body.subarray(0, 2000))
      await sleep(20)
      c.write(body.subarray(2000))
      c.write(get('/next'))
      const data = await c.until((d) => d.includes('\r\n\r\nnext'), 2000)
      assert.deepEqual(statusLines(data), ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'], path)
      assert.match(data, /stopped/)
      c.close()
    }
    await s.stop()
  })

  it('reads on after a stream route throws before reading its body', async () => {
    const s = await started((s) => {
      s.post('/throw', async () => {
        await sleep(20)
        throw new Error('boom')
      }, { stream: true })
      s.get('/next', () => 'next')
    }, { requestTimeout: 10_000 })
    const c = await RawClient.connect(s.getPort())
    const body = Buffer.alloc(300 * 1024, 0x61)
    c.write(head('/throw', body.length)).write(body)
    await sleep(20)
    c.write(get('/next'))
    const data = await c.until((d) => d.includes('\r\n\r\nnext'), 2000)
    assert.deepEqual(statusLines(data), ['HTTP/1.1 500 Internal Server Error', 'HTTP/1.1 200 OK'])
    c.close()
    await s.stop()
  })

  it('keeps the body for a handler that answers first and reads it later', async () => {
    let seen: string | undefined
    const s = await started((s) => {
      s.post('/accept', async (req, res) => {
        res.setStatus(202).send('accepted')
        await sleep(60)
        seen = await req.text()
      })
    })
    const c = await RawClient.connect(s.getPort())
    c.write(head('/accept', 10))
    await sleep(15)
    c.write('abc')
    await sleep(15)
    c.write('defghij')
    await c.until((d) => d.includes('accepted'))
    for (let i = 0; i < 100 && seen === undefined; i++) await sleep(10)
    assert.equal(seen, 'abcdefghij')
    c.close()
    await s.stop()
  })

  it('refuses a body read after the handler settled without it, never truncated', async () => {
    let late: Promise<unknown> | undefined
    const s = await started((s) => {
      s.post('/late', (req) => {
        setTimeout(() => (late = req.bytes().then((b) => b, (err: unknown) => err)), 50)
        return 'done'
      })
    })
    const c = await RawClient.connect(s.getPort())
    c.write(head('/late', 10) + 'abc')
    await c.until((d) => d.includes('done'))
    c.write('defghij')
    for (let i = 0; i < 100 && late === undefined; i++) await sleep(10)
    const outcome = await late
    assert.ok(isPorticoError(outcome, 'PORTICO_ERR_BODY_DISCARDED'), String(outcome))
    c.close()
    await s.stop()
  })
})
