import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import zlib from 'node:zlib'
import { hostValueOk } from '../../src/server/head-rules.js'
import { RawClient, get, sleep, started, statusLines } from './helpers.js'
import type { Server } from '../../src/server/index.js'

/** Sends `raw` on a fresh connection and reads until the server closes it. */
async function exchange(s: Server, raw: string | Buffer): Promise<string> {
  const c = await RawClient.connect(s.getPort())
  c.write(raw)
  return c.closedByPeer(3000)
}

describe('transfer codings the server cannot remove (RFC 9112 §6.1)', () => {
  it('answers 501 and closes for a transfer coding other than chunked; the handler never runs', async () => {
    let ran = 0
    const s = await started((s) => s.post('/', async (req) => {
      ran++
      return `saw ${(await req.bytes()).length}`
    }))
    const gz = zlib.gzipSync('{"hello":"world"}')
    const body = Buffer.concat([Buffer.from(gz.length.toString(16) + '\r\n'), gz, Buffer.from('\r\n0\r\n\r\n')])
    const heads = [
      'Transfer-Encoding: gzip, chunked\r\n',
      'Transfer-Encoding: x-gzip , Chunked\r\n',
      'Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n',
    ]
    for (const te of heads) {
      const data = await exchange(s, Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\n${te}\r\n`), body, Buffer.from(get('/'))]))
      assert.deepEqual(statusLines(data), ['HTTP/1.1 501 Not Implemented'], te)
      assert.match(data, /\r\nConnection: close\r\n/)
    }
    assert.equal(ran, 0)
    await s.stop()
  })

  it('still reads a chunked body (any case, one or more fields)', async () => {
    const s = await started((s) => s.post('/', async (req) => `saw ${(await req.bytes()).length}`))
    for (const te of ['Transfer-Encoding: chunked\r\n', 'Transfer-Encoding: Chunked\r\n', 'transfer-encoding: chunked\r\n']) {
      const c = await RawClient.connect(s.getPort())
      c.write(`POST / HTTP/1.1\r\nHost: x\r\n${te}\r\n5\r\nhello\r\n0\r\n\r\n`)
      await c.until((d) => d.endsWith('saw 5'))
      c.close()
    }
    await s.stop()
  })
})

describe('Host field value (RFC 9112 §3.2, RFC 3986 §3.2.2)', () => {
  const valid = ['x', 'example.com', 'example.com:8080', 'example.com:', '[::1]:', '127.0.0.1', '127.0.0.1:80', '[::1]', '[::1]:8443',
    '[2001:db8::7]', '[::ffff:192.0.2.1]', '[v1.fe:80]', 'ex%41mple', "a-b_c~d!$&'()*+,;=", 'xn--bcher-kva.example']
  const invalid = ['a b', 'a@b@c', 'user@host', 'x/y', '[::1', '::1', ':80', '[::1]x', '[::g]', '[1.2.3.4]', '[v.x]',
    'a:b:c', 'a:8o', 'ex%4', 'ex%zz', 'a?b', 'a#b', 'a"b', 'h\u00e9']

  it('takes uri-host [":" port] and nothing else', () => {
    for (const v of valid) assert.equal(hostValueOk(v, '/'), true, v)
    for (const v of invalid) assert.equal(hostValueOk(v, '/'), false, v)
  })

  it('takes an empty Host only when the request-target has no authority', () => {
    assert.equal(hostValueOk('', '/'), true)
    assert.equal(hostValueOk('', '*'), true)
    assert.equal(hostValueOk('', 'http://a/'), false)
    assert.equal(hostValueOk('', 'a:443'), false)
  })

  it('answers 400 and closes for an invalid Host value; the handler never runs', async () => {
    let ran = 0
    const s = await started((s) => s.get('/', () => {
      ran++
      return 'ok'
    }))
    for (const host of ['a b', 'a@b@c', 'x/y', '[::1', 'a:b']) {
      const data = await exchange(s, `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n` + get('/'))
      assert.deepEqual(statusLines(data), ['HTTP/1.1 400 Bad Request'], host)
    }
    const absolute = await exchange(s, 'GET http://x/ HTTP/1.1\r\nHost:\r\n\r\n')
    assert.deepEqual(statusLines(absolute), ['HTTP/1.1 400 Bad Request'])
    assert.equal(ran, 0)
    await s.stop()
  })

  it('serves valid Host values, and an empty one for an origin-form target', async () => {
    const s = await started((s) => s.get('/', () => 'ok'))
    for (const host of ['example.com:8080', '[::1]:8443', '127.0.0.1', '']) {
      const c = await RawClient.connect(s.getPort())
      c.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
      await c.until((d) => d.endsWith('\r\n\r\nok'))
      c.close()
    }
    await s.stop()
  })
})

describe('Upgrade in an HTTP/1.0 request (RFC 9110 §7.8)', () => {
  it('ignores Upgrade in an HTTP/1.0 request: a plain answer, then close', async () => {
    const seen: unknown[] = []
    const s = await started((s) => s.get('/ws', (req, res) => {
      seen.push([req.head.upgrade, req.isUpgrade, req.upgradeProtocol])
      if (req.head.upgrade || req.isUpgrade) return void res.upgrade('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n').socket.end('<other>')
      return 'plain'
    }))
    for (const raw of [
      'GET /ws HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n',
      'GET /ws HTTP/1.0\r\nConnection: keep-alive, Upgrade\r\nUpgrade: foo\r\n\r\n' + 'GET /ws HTTP/1.0\r\n\r\n',
    ]) {
      const data = await exchange(s, raw)
      assert.deepEqual(statusLines(data), ['HTTP/1.1 200 OK'], data)
      assert.match(data, /\r\n\r\nplain$/)
      assert.doesNotMatch(data, /101|<other>/)
    }
    assert.deepEqual(seen, [[false, false, undefined], [false, false, undefined]])
    await s.stop()
  })

  it('still switches protocols for an HTTP/1.1 Upgrade request', async () => {
    const s = await started((s) => s.get('/ws', (_req, res) => {
      res.upgrade('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n').socket.end('<other>')
    }))
    const data = await exchange(s, 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n')
    assert.match(data, /^HTTP\/1.1 101 [^]*\r\n\r\n<other>$/)
    await sleep(1)
    await s.stop()
  })
})
