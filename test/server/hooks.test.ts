/**
 * The engine's hooks for the upper layers, over real sockets: unmatched requests inside the
 * middlewares, `bytesWritten` / `onFinish`, `onResponseHead` on the engine's own answers, and
 * the body encoder / decoder hooks.
 */
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import zlib from 'node:zlib'
import type { Server } from '../../src/server/index.js'
import type { PorticoResponse } from '../../src/server/response.js'
import type { BodyEncoder } from '../../src/server/body-encoder.js'
import { RawClient, started, statusLines, eventually, sleep } from './helpers.js'

const servers: Server[] = []
after(async () => {
  for (const s of servers) await s.stop({ graceful: false })
})

async function serve(setup: (s: Server) => void, options = {}): Promise<Server> {
  const s = await started(setup, options)
  servers.push(s)
  return s
}

async function ask(s: Server, raw: string | Buffer): Promise<string> {
  const c = await RawClient.connect(s.getPort())
  c.write(raw)
  const data = await c.closedByPeer()
  c.socket.destroy()
  return data
}

const close = 'Host: x\r\nConnection: close\r\n\r\n'

describe('requests no route takes, inside the middlewares', () => {
  it('runs the server-wide middlewares around 404, 405, automatic OPTIONS and 308', async () => {
    const seen: string[] = []
    const s = await serve((s) => {
      s.use(async (req, res, next) => {
        res.setHeader('X-Mw', 'yes')
        await next()
        seen.push(`${req.method} ${req.path} ${res.statusCode}`)
      })
      s.get('/users/{id}', () => 'u')
    })
    const notFound = await ask(s, `GET /nope HTTP/1.1\r\n${close}`)
    assert.match(notFound, /^HTTP\/1.1 404/)
    assert.match(notFound, /\r\nX-Mw: yes\r\n/)
    const notAllowed = await ask(s, `POST /users/1 HTTP/1.1\r\n${close}`)
    assert.match(notAllowed, /^HTTP\/1.1 405/)
    assert.match(notAllowed, /\r\nAllow: GET, HEAD, OPTIONS\r\n/)
    assert.match(notAllowed, /\r\nX-Mw: yes\r\n/)
    const options = await ask(s, `OPTIONS /users/1 HTTP/1.1\r\n${close}`)
    assert.match(options, /^HTTP\/1.1 204/)
    assert.match(options, /\r\nX-Mw: yes\r\n/)
    const redirect = await ask(s, `GET /users/1/?q=1 HTTP/1.1\r\n${close}`)
    assert.match(redirect, /^HTTP\/1.1 308/)
    assert.match(redirect, /\r\nLocation: \/users\/1\?q=1\r\n/)
    assert.match(redirect, /\r\nX-Mw: yes\r\n/)
    assert.deepEqual(seen, ['GET /nope 404', 'POST /users/1 405', 'OPTIONS /users/1 204', 'GET /users/1/ 308'])
  })

  it('answers them without middlewares too, the top handler taking 404 and 405', async () => {
    const s = await serve((s) => {
      s.get('/a', () => 'a')
      s.setTopHandler(() => 'top')
    })
    assert.match(await ask(s, `GET /zzz HTTP/1.1\r\n${close}`), /^HTTP\/1.1 200[^]*top$/)
    assert.match(await ask(s, `DELETE /a HTTP/1.1\r\n${close}`), /^HTTP\/1.1 200[^]*top$/)
    assert.match(await ask(s, `OPTIONS /a HTTP/1.1\r\n${close}`), /^HTTP\/1.1 204/)
  })

  it('answers 404, never a redirect, to paths with dot segments', async () => {
    const s = await serve((s) => s.get('/files/{*path}', () => 'file'))
    for (const path of ['/files/a/../b', '/files/%2e%2e/x', '/files/.%2E/x', '/x/../files/a']) {
      assert.match(await ask(s, `GET ${path} HTTP/1.1\r\n${close}`), /^HTTP\/1.1 404/, path)
    }
  })
})

describe('bytesWritten and onFinish', () => {
  it('counts the body bytes of whole and streamed bodies and calls onFinish once', async () => {
    const finished: [string, number, boolean][] = []
    const s = await serve((s) => {
      s.use(async (req, res, next) => {
        res.onFinish((aborted) => finished.push([req.path, res.bytesWritten, aborted]))
        await next()
      })
      s.get('/text', () => 'héllo')
      s.get('/stream', (_req, res) => {
        const out = res.openStream()
        out.write('abc')
        setTimeout(() => {
          out.write(Buffer.from('defg'))
          out.end()
        }, 20)
      })
    })
    await ask(s, `GET /text HTTP/1.1\r\n${close}`)
    await ask(s, `GET /stream HTTP/1.1\r\n${close}`)
    await ask(s, `HEAD /text HTTP/1.1\r\n${close}`)
    await eventually(() => finished.length === 3)
    assert.deepEqual(finished, [['/text', 6, false], ['/stream', 7, false], ['/text', 0, false]])
  })

  it('calls onFinish with aborted when the client leaves mid-stream', async () => {
    let result: boolean | undefined
    const s = await serve((s) => {
      s.get('/forever', (_req, res) => {
        res.onFinish((aborted) => (result = aborted))
        res.openStream().write('tick')
      })
    })
    const c = await RawClient.connect(s.getPort())
    c.write('GET /forever HTTP/1.1\r\nHost: x\r\n\r\n')
    await c.until((d) => d.includes('tick'))
    c.socket.destroy()
    await eventually(() => result !== undefined)
    assert.equal(result, true)
  })

  it('calls onFinish, not aborted, when the socket is handed over by an upgrade', async () => {
    let result: boolean | undefined
    const s = await serve((s) => {
      s.get('/up', (_req, res) => {
        res.onFinish((aborted) => (result = aborted))
        const { socket } = res.upgrade('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n')
        socket.end()
      })
    })
    await ask(s, 'GET /up HTTP/1.1\r\nHost: x\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n')
    await eventually(() => result !== undefined)
    assert.equal(result, false)
  })

  it('calls onFinish at once for a response already finished', async () => {
    let calls = 0
    const s = await serve((s) => {
      s.get('/', async (_req, res) => {
        res.send('x')
        await new Promise<void>((resolve) => res.onFinish(() => resolve()))
        calls++
      })
    })
    await ask(s, `GET / HTTP/1.1\r\n${close}`)
    await eventually(() => calls === 1)
  })
})

describe('onResponseHead on the engine answers', () => {
  const decorate = (s: Server): void => s.onResponseHead((req, res) => res.setHeader('X-Decorated', req.method))

  it('decorates 413 from Content-Length, 413 from a chunked body, and 400 on bad JSON', async () => {
    const s = await serve((s) => {
      decorate(s)
      s.setMaxRequestSize(1024)
      s.post('/json', async (req) => await req.parseJsonBody())
    })
    const big = await ask(s, 'POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n')
    assert.match(big, /^HTTP\/1.1 413/)
    assert.match(big, /\r\nX-Decorated: POST\r\n/)
    const chunk = 'x'.repeat(800)
    const chunked = await ask(s, `POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n${chunk}\r\n320\r\n${chunk}\r\n0\r\n\r\n`)
    assert.match(chunked, /^HTTP\/1.1 413/)
    assert.match(chunked, /\r\nX-Decorated: POST\r\n/)
    const bad = await ask(s, 'POST /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\n{x}')
    assert.match(bad, /^HTTP\/1.1 400/)
    assert.match(bad, /\r\nX-Decorated: POST\r\n/)
  })

  it('decorates 503 from a full queue and 408 from a body that stalls', async () => {
    let release: () => void = () => {}
    const s = await serve(
      (s) => {
        decorate(s)
        s.get('/slow', () => new Promise<string>((resolve) => (release = () => resolve('done'))))
        s.post('/upload', async (req) => (await req.bytes()).length)
      },
      { maxConcurrentRequests: 1, maxQueuedRequests: 0, requestTimeout: 150 },
    )
    const first = await RawClient.connect(s.getPort())
    first.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
    await sleep(30)
    const full = await ask(s, `GET /slow HTTP/1.1\r\n${close}`)
    assert.match(full, /^HTTP\/1.1 503/)
    assert.match(full, /\r\nX-Decorated: GET\r\n/)
    release()
    await first.until((d) => d.includes('done'))
    first.socket.destroy()
    const stalled = await RawClient.connect(s.getPort())
    stalled.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc')
    const data = await stalled.closedByPeer()
    assert.match(statusLines(data)[0], /^HTTP\/1.1 408/)
    assert.match(data, /\r\nX-Decorated: POST\r\n/)
  })

  it('runs a response own onHead hook after an error answer replaced its headers', async () => {
    const s = await serve((s) => {
      s.get('/', (_req, res) => {
        res.setHeader('X-Lost', '1')
        res.onHead((r) => r.setHeader('X-Kept', '1'))
        throw new Error('boom')
      })
    })
    const data = await ask(s, `GET / HTTP/1.1\r\n${close}`)
    assert.match(data, /^HTTP\/1.1 500/)
    assert.match(data, /\r\nX-Kept: 1\r\n/)
    assert.doesNotMatch(data, /X-Lost/)
  })
})

describe('body encoder and decoder hooks', () => {
  const gzip: BodyEncoder = {
    start(res: PorticoResponse, size) {
      if (size === 0) return undefined
      res.setHeader('Content-Encoding', 'gzip')
      return {
        whole: (body) => (body.length < 100 ? zlib.gzipSync(body) : undefined),
        stream(inner) {
          const z = zlib.createGzip()
          z.on('data', (chunk: Buffer) => inner.write(chunk))
          z.on('end', () => inner.end())
          return {
            write: (chunk) => z.write(chunk),
            end: () => void z.end(),
            get writableLength() {
              return z.writableLength
            },
            get closed() {
              return inner.closed
            },
            onDrain: (cb) => inner.onDrain(cb),
            onClose: (cb) => inner.onClose(cb),
            destroy: () => inner.destroy(),
          }
        },
      }
    },
  }

  function gunzipBody(data: string): string {
    const bodyStart = data.indexOf('\r\n\r\n') + 4
    let raw = Buffer.from(data.slice(bodyStart), 'latin1')
    if (/Transfer-Encoding: chunked/.test(data)) {
      const parts: Buffer[] = []
      let at = 0
      for (;;) {
        const eol = raw.indexOf('\r\n', at)
        const len = parseInt(raw.subarray(at, eol).toString('latin1'), 16)
        if (len === 0) break
        parts.push(raw.subarray(eol + 2, eol + 2 + len))
        at = eol + 4 + len
      }
      raw = Buffer.concat(parts)
    }
    return zlib.gunzipSync(raw).toString('utf8')
  }

  it('encodes whole bodies at once with a Content-Length, larger ones and streams chunked', async () => {
    const s = await serve((s) => {
      s.use(async (_req, res, next) => {
        res.setBodyEncoder(gzip)
        await next()
      })
      s.get('/small', () => 'small body')
      s.get('/large', () => 'L'.repeat(500))
      s.get('/json', () => ({ a: 1 }))
      s.get('/stream', (_req, res) => {
        const out = res.openStream()
        out.write('part one, ')
        out.write('part two')
        out.end()
      })
      s.get('/raw', (_req, res) => {
        const out = res.openStream({ raw: true })
        out.write('as is')
        out.end()
      })
    })
    const small = await ask(s, `GET /small HTTP/1.1\r\n${close}`)
    assert.match(small, /\r\nContent-Encoding: gzip\r\n[^]*Content-Length: \d+\r\n/)
    assert.equal(gunzipBody(small), 'small body')
    const large = await ask(s, `GET /large HTTP/1.1\r\n${close}`)
    assert.match(large, /\r\nTransfer-Encoding: chunked\r\n/)
    assert.equal(gunzipBody(large), 'L'.repeat(500))
    assert.equal(gunzipBody(await ask(s, `GET /json HTTP/1.1\r\n${close}`)), '{"a":1}')
    assert.equal(gunzipBody(await ask(s, `GET /stream HTTP/1.1\r\n${close}`)), 'part one, part two')
    const raw = await ask(s, `GET /raw HTTP/1.1\r\n${close}`)
    assert.doesNotMatch(raw, /Content-Encoding/)
    assert.ok(raw.endsWith('\r\n\r\nas is'))
  })

  it('decodes request bodies with the limit applied to the decoded size', async () => {
    const s = await serve((s) => {
      s.use(async (req, _res, next) => {
        if (req.getHeader('content-encoding') === 'gzip') {
          req.setBodyDecoder(async function* (raw) {
            const z = zlib.createGunzip()
            const chunks: Buffer[] = []
            z.on('data', (c: Buffer) => chunks.push(c))
            for await (const chunk of raw) z.write(chunk)
            await new Promise<void>((resolve) => z.end(resolve))
            yield* chunks
          }, 2000)
        }
        await next()
      })
      s.post('/echo', async (req) => await req.text())
      s.post('/stream', async (req) => {
        let n = 0
        for await (const chunk of req.body) n += chunk.length
        return String(n)
      })
    })
    const send = (path: string, body: string): Promise<string> => {
      const gz = zlib.gzipSync(body)
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`
      return ask(s, Buffer.concat([Buffer.from(head, 'latin1'), gz]))
    }
    assert.match(await send('/echo', 'hello decoded'), /\r\n\r\nhello decoded$/)
    assert.match(await send('/stream', 'y'.repeat(1500)), /\r\n\r\n1500$/)
    const bomb = await send('/echo', 'z'.repeat(50_000))
    assert.match(bomb, /^HTTP\/1.1 413/)
  })
})
