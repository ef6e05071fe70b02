import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readdirSync, symlinkSync, writeFileSync, utimesSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { gzipSync, brotliCompressSync, gunzipSync, brotliDecompressSync } from 'node:zlib'
import { randomBytes } from 'node:crypto'
import type { Server } from '../../src/server/index.js'
import { rawRequest, request, started, tempDir } from './helpers.js'

const SECRET = 'TOP SECRET outside the root'
const APP_JS = 'console.log("portico");\n'.repeat(200)
const DIGITS = '0123456789'.repeat(100)
const BIG = randomBytes(3 * 1024 * 1024 + 17)
const MTIME = new Date(Date.UTC(2024, 0, 15, 12, 0, 0))
let base: ReturnType<typeof tempDir>
let www: string
let server: Server
let port: number

before(async () => {
  base = tempDir('static')
  www = join(base.dir, 'www')
  const outside = join(base.dir, 'outside')
  mkdirSync(outside)
  writeFileSync(join(outside, 'secret.txt'), SECRET)
  mkdirSync(join(base.dir, 'www-evil'))
  writeFileSync(join(base.dir, 'www-evil', 'secret.txt'), SECRET)
  mkdirSync(join(www, 'sub', 'deep'), { recursive: true })
  mkdirSync(join(www, 'noindex'))
  writeFileSync(join(www, 'index.html'), '<h1>home</h1>')
  writeFileSync(join(www, 'hello.txt'), 'hello world\n')
  utimesSync(join(www, 'hello.txt'), MTIME, MTIME)
  writeFileSync(join(www, 'data.json'), '{"a":1}')
  writeFileSync(join(www, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
  writeFileSync(join(www, '.env'), SECRET)
  writeFileSync(join(www, 'sub', 'index.html'), '<h1>sub</h1>')
  writeFileSync(join(www, 'sub', 'b.txt'), 'b')
  writeFileSync(join(www, 'noindex', 'z.txt'), 'z')
  writeFileSync(join(www, 'noindex', 'a & <b>.txt'), 'ab')
  mkdirSync(join(www, 'noindex', 'inner'))
  writeFileSync(join(www, 'app.js'), APP_JS)
  writeFileSync(join(www, 'app.js.br'), brotliCompressSync(APP_JS))
  writeFileSync(join(www, 'app.js.gz'), gzipSync(APP_JS))
  writeFileSync(join(www, 'style.css'), 'body{}'.repeat(100))
  writeFileSync(join(www, 'style.css.gz'), gzipSync('body{}'.repeat(100)))
  writeFileSync(join(www, 'digits.txt'), DIGITS)
  writeFileSync(join(www, 'big.bin'), BIG)
  writeFileSync(join(www, 'a b.txt'), 'space')
  writeFileSync(join(www, 'café.txt'), 'unicode')
  writeFileSync(join(www, 'empty.txt'), '')
  symlinkSync(join(outside, 'secret.txt'), join(www, 'link-out'))
  symlinkSync(outside, join(www, 'dirlink-out'))
  symlinkSync(join(www, 'hello.txt'), join(www, 'link-in.txt'))
  mkdirSync(join(www, 'evil.example'))
  mkdirSync(join(www, 'linked-index'))
  symlinkSync(join(www, 'sub', 'index.html'), join(www, 'linked-index', 'index.html'))
  mkdirSync(join(www, 'mixed'))
  writeFileSync(join(www, 'mixed', '.hidden'), SECRET)
  symlinkSync(join(outside, 'secret.txt'), join(www, 'mixed', 'link-out'))
  symlinkSync(outside, join(www, 'mixed', 'dirlink-out'))
  symlinkSync(join(www, 'hello.txt'), join(www, 'mixed', 'link-in.txt'))
  server = await started((s) => {
    s.setStaticDirectory(www)
    s.enableDirectoryListing(true)
    s.serveStatic('/assets', www, { cacheControl: 'public, max-age=60', etag: 'weak', listing: false })
    s.get('/api/file', (_req, res) => res.sendFile('hello.txt', { root: www }))
    s.get('/api/missing', (_req, res) => res.sendFile('nope.txt', { root: www }))
    s.get('/api/escape', (_req, res) => res.sendFile('../outside/secret.txt', { root: www }))
  })
  port = server.getPort()
})

after(async () => {
  await server.stop({ graceful: false })
  base.remove()
})

test('serves a file with its type, length, validators and Accept-Ranges', async () => {
  const r = await request(port, '/hello.txt')
  assert.equal(r.status, 200)
  assert.equal(r.text, 'hello world\n')
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8')
  assert.equal(r.headers['content-length'], '12')
  assert.equal(r.headers['last-modified'], MTIME.toUTCString())
  assert.match(r.headers.etag ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/)
  assert.equal(r.headers['accept-ranges'], 'bytes')
})

test('gives binary types no charset and JSON a utf-8 charset', async () => {
  assert.equal((await request(port, '/photo.png')).headers['content-type'], 'image/png')
  assert.equal((await request(port, '/data.json')).headers['content-type'], 'application/json; charset=utf-8')
})

test('serves names with spaces and non-ASCII characters', async () => {
  assert.equal((await request(port, '/a%20b.txt')).text, 'space')
  assert.equal((await request(port, '/caf%C3%A9.txt')).text, 'unicode')
})

test('serves an empty file', async () => {
  const r = await request(port, '/empty.txt')
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-length'], '0')
  assert.equal(r.body.length, 0)
})

test('serves index.html for a directory', async () => {
  assert.equal((await request(port, '/')).text, '<h1>home</h1>')
  assert.equal((await request(port, '/sub/')).text, '<h1>sub</h1>')
})

test('redirects a directory without its trailing slash, keeping the query', async () => {
  const r = await request(port, '/sub?x=1')
  assert.equal(r.status, 301)
  assert.equal(r.headers.location, '/sub/?x=1')
})

test('answers 404 for a missing file and for a file asked with a trailing slash', async () => {
  assert.equal((await request(port, '/nope.txt')).status, 404)
  assert.equal((await request(port, '/hello.txt/')).status, 404)
})

test('answers HEAD with the GET headers and no body', async () => {
  const r = await request(port, '/big.bin', { method: 'HEAD' })
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-length'], String(BIG.length))
  assert.equal(r.body.length, 0)
})

test('hides dotfiles', async () => {
  assert.equal((await request(port, '/.env')).status, 404)
  assert.equal((await request(port, '/%2eenv')).status, 404)
})

test('never serves a file outside the root, whatever the traversal vector', async () => {
  const vectors = [
    '/../outside/secret.txt',
    '/%2e%2e/outside/secret.txt',
    '/%2E%2E/outside/secret.txt',
    '/.%2e/outside/secret.txt',
    '/..%2foutside%2fsecret.txt',
    '/%2e%2e%2foutside%2fsecret.txt',
    '/sub/../../outside/secret.txt',
    '/sub/%2e%2e/%2e%2e/outside/secret.txt',
    '/..\\outside\\secret.txt',
    '/..%5coutside%5csecret.txt',
    '/%5c..%5coutside%5csecret.txt',
    '/hello.txt%00.png',
    '/%00',
    '/%2fetc%2fpasswd',
    '//etc/passwd',
    '/%2F..%2F..%2Foutside/secret.txt',
    '/link-out',
    '/dirlink-out/secret.txt',
    '/assets/../outside/secret.txt',
    '/assets/%2e%2e/outside/secret.txt',
    '/assets/..%2f..%2fwww-evil/secret.txt',
    '/assets/link-out',
    '/assets%2f..%2foutside/secret.txt',
    '/%c0%ae%c0%ae/outside/secret.txt',
    'http://x/../outside/secret.txt',
  ]
  for (const target of vectors) {
    const r = await rawRequest(port, target)
    assert.ok(!r.text.includes(SECRET), `${target} leaked the file`)
    // Dot segments are never redirected (docs/routing.md): the router answers 404, the
    // mount 403 for the forms that reach it (an encoded slash inside one segment).
    assert.ok([400, 403, 404].includes(r.status), `${target} → ${r.status}`)
  }
})

test('follows a symbolic link that stays inside the root', async () => {
  assert.equal((await request(port, '/link-in.txt')).text, 'hello world\n')
})

test('answers 304 to If-None-Match and If-Modified-Since, with the validators', async () => {
  const first = await request(port, '/hello.txt')
  const etag = first.headers.etag as string
  const a = await request(port, '/hello.txt', { headers: { 'If-None-Match': etag } })
  assert.equal(a.status, 304)
  assert.equal(a.headers.etag, etag)
  assert.equal(a.body.length, 0)
  const b = await request(port, '/hello.txt', { headers: { 'If-Modified-Since': MTIME.toUTCString() } })
  assert.equal(b.status, 304)
  const c = await request(port, '/hello.txt', { headers: { 'If-Modified-Since': new Date(MTIME.getTime() - 1000).toUTCString() } })
  assert.equal(c.status, 200)
})

test('answers 412 to a failed If-Match or If-Unmodified-Since', async () => {
  assert.equal((await request(port, '/hello.txt', { headers: { 'If-Match': '"nope"' } })).status, 412)
  const old = new Date(MTIME.getTime() - 60_000).toUTCString()
  assert.equal((await request(port, '/hello.txt', { headers: { 'If-Unmodified-Since': old } })).status, 412)
})

test('uses weak ETags and Cache-Control where the mount asks for them', async () => {
  const r = await request(port, '/assets/hello.txt')
  assert.match(r.headers.etag ?? '', /^W\//)
  assert.equal(r.headers['cache-control'], 'public, max-age=60')
  assert.equal((await request(port, '/assets/hello.txt', { headers: { 'If-None-Match': r.headers.etag as string } })).status, 304)
})

test('answers a single range with 206 and Content-Range', async () => {
  const r = await request(port, '/digits.txt', { headers: { Range: 'bytes=10-19' } })
  assert.equal(r.status, 206)
  assert.equal(r.headers['content-range'], 'bytes 10-19/1000')
  assert.equal(r.text, '0123456789')
})

test('answers suffix and open-ended ranges', async () => {
  const s = await request(port, '/digits.txt', { headers: { Range: 'bytes=-5' } })
  assert.equal(s.headers['content-range'], 'bytes 995-999/1000')
  assert.equal(s.text, '56789')
  const o = await request(port, '/digits.txt', { headers: { Range: 'bytes=998-' } })
  assert.equal(o.text, '89')
})

test('answers a range of a large file from the middle', async () => {
  const start = 2 * 1024 * 1024 + 5
  const r = await request(port, '/big.bin', { headers: { Range: `bytes=${start}-` } })
  assert.equal(r.status, 206)
  assert.ok(r.body.equals(BIG.subarray(start)))
})

test('answers several ranges with multipart/byteranges', async () => {
  const r = await request(port, '/digits.txt', { headers: { Range: 'bytes=0-1, 995-' } })
  assert.equal(r.status, 206)
  const m = /^multipart\/byteranges; boundary=(.+)$/.exec(r.headers['content-type'] ?? '')
  assert.ok(m)
  const b = m[1]
  assert.equal(
    r.text,
    `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/1000\r\n\r\n01\r\n` +
      `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 995-999/1000\r\n\r\n56789\r\n--${b}--\r\n`,
  )
  assert.equal(Number(r.headers['content-length']), r.body.length)
})

test('answers 416 with Content-Range: bytes */size to an unsatisfiable range', async () => {
  const r = await request(port, '/digits.txt', { headers: { Range: 'bytes=1000-' } })
  assert.equal(r.status, 416)
  assert.equal(r.headers['content-range'], 'bytes */1000')
})

test('sends the whole file when If-Range does not match, the range when it does', async () => {
  const etag = (await request(port, '/digits.txt')).headers.etag as string
  const stale = await request(port, '/digits.txt', { headers: { Range: 'bytes=0-0', 'If-Range': '"stale"' } })
  assert.equal(stale.status, 200)
  assert.equal(stale.body.length, 1000)
  const fresh = await request(port, '/digits.txt', { headers: { Range: 'bytes=0-0', 'If-Range': etag } })
  assert.equal(fresh.status, 206)
  assert.equal(fresh.text, '0')
})

test('ignores a malformed Range and sends the whole file', async () => {
  const r = await request(port, '/digits.txt', { headers: { Range: 'bytes=9-1' } })
  assert.equal(r.status, 200)
})

test('streams a large file intact', async () => {
  const r = await request(port, '/big.bin')
  assert.equal(r.status, 200)
  assert.ok(r.body.equals(BIG))
})

test('serves the br sibling when br is accepted, with its own ETag and Vary', async () => {
  const plain = await request(port, '/app.js')
  const r = await request(port, '/app.js', { headers: { 'Accept-Encoding': 'gzip, br' } })
  assert.equal(r.headers['content-encoding'], 'br')
  assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8')
  assert.equal(r.headers.vary, 'Accept-Encoding')
  assert.notEqual(r.headers.etag, plain.headers.etag)
  assert.equal(brotliDecompressSync(r.body).toString(), APP_JS)
})

test('serves the gzip sibling when br is refused or missing, identity otherwise', async () => {
  const g = await request(port, '/app.js', { headers: { 'Accept-Encoding': 'br;q=0, gzip' } })
  assert.equal(g.headers['content-encoding'], 'gzip')
  assert.equal(gunzipSync(g.body).toString(), APP_JS)
  const css = await request(port, '/style.css', { headers: { 'Accept-Encoding': 'br, gzip' } })
  assert.equal(css.headers['content-encoding'], 'gzip')
  const plain = await request(port, '/app.js')
  assert.equal(plain.headers['content-encoding'], undefined)
  assert.equal(plain.text, APP_JS)
  assert.equal(plain.headers.vary, 'Accept-Encoding')
})

test('lists a directory without index.html: escaped, directories first', async () => {
  const r = await request(port, '/noindex/')
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8')
  assert.ok(r.text.includes('a &amp; &lt;b&gt;.txt'))
  assert.ok(r.text.includes('href="a%20%26%20%3Cb%3E.txt"'))
  assert.ok(r.text.indexOf('inner/') < r.text.indexOf('z.txt'))
})

test('lists as JSON for Accept: application/json', async () => {
  const r = await request(port, '/noindex/', { headers: { Accept: 'application/json' } })
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8')
  const json = JSON.parse(r.text)
  assert.deepEqual(
    json.entries.map((e: { name: string }) => e.name),
    ['inner', 'a & <b>.txt', 'z.txt'],
  )
})

test('leaves dotfiles and links out of the root out of listings', async () => {
  const json = JSON.parse((await request(port, '/mixed/?format=json')).text) as { entries: { name: string }[] }
  const names = json.entries.map((e) => e.name)
  assert.ok(!names.includes('.hidden'))
  assert.ok(!names.includes('link-out'))
  assert.ok(!names.includes('dirlink-out'))
  assert.ok(names.includes('link-in.txt'))
})

test('answers 404 for a directory without index when listing is off', async () => {
  assert.equal((await request(port, '/assets/noindex/')).status, 404)
  server.enableDirectoryListing(false)
  try {
    assert.equal((await request(port, '/noindex/')).status, 404)
  } finally {
    server.enableDirectoryListing(true)
  }
})

test('res.sendFile sends a file below its root and refuses to leave it', async () => {
  const r = await request(port, '/api/file')
  assert.equal(r.text, 'hello world\n')
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8')
  assert.equal((await request(port, '/api/missing')).status, 404)
  const e = await request(port, '/api/escape')
  assert.equal(e.status, 403)
  assert.ok(!e.text.includes(SECRET))
})

test('getStaticDirectory reports the directory served', () => {
  assert.equal(server.getStaticDirectory(), www)
  assert.equal(server.isDirectoryListingEnabled(), true)
})

test('serves the new contents of a changed file at once, even with the same size and mtime', async () => {
  const path = join(www, 'changing.txt')
  writeFileSync(path, 'version one')
  utimesSync(path, MTIME, MTIME)
  assert.equal((await request(port, '/changing.txt')).text, 'version one')
  assert.equal((await request(port, '/changing.txt')).text, 'version one')
  writeFileSync(path, 'version two')
  utimesSync(path, MTIME, MTIME)
  assert.equal((await request(port, '/changing.txt')).text, 'version two')
})

test('answers ranges and 304 from the cached copy as from the file', async () => {
  await request(port, '/digits.txt')
  const r = await request(port, '/digits.txt', { headers: { Range: 'bytes=0-1,-2' } })
  assert.equal(r.status, 206)
  assert.match(r.text, /\r\n\r\n01\r\n--/)
  const etag = (await request(port, '/digits.txt')).headers.etag as string
  assert.equal((await request(port, '/digits.txt', { headers: { 'If-None-Match': etag } })).status, 304)
})

test('serves an index.html that is a symbolic link inside the root', async () => {
  assert.equal((await request(port, '/linked-index/')).text, '<h1>sub</h1>')
})

test('serveStatic works as a plain route handler', async () => {
  const { serveStatic } = await import('../../src/middleware/serve-static.js')
  const s = await started((srv) => {
    srv.get('/pub/{*path}', serveStatic('/pub', www))
  })
  try {
    assert.equal((await request(s.getPort(), '/pub/hello.txt')).text, 'hello world\n')
    assert.equal((await request(s.getPort(), '/pub/nope.txt')).status, 404)
    assert.equal((await request(s.getPort(), '/pub/.env')).status, 404)
  } finally {
    await s.stop({ graceful: false })
  }
})

test('never redirects to another host (no protocol-relative Location)', async () => {
  const r = await rawRequest(port, '//evil.example')
  assert.equal(r.status, 301)
  assert.match(r.text, /\r\nLocation: \/evil\.example\/\r\n/)
  const a = await rawRequest(port, '/assets//evil.example')
  assert.match(a.text, /\r\nLocation: \/assets\/evil\.example\/\r\n/)
})

test('closes the file when the client leaves in the middle of a download', async () => {
  const fds = (): number => readdirSync('/proc/self/fd').length
  const before = fds()
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n'))
      socket.once('data', () => {
        socket.destroy()
        resolve()
      })
    })
  }
  for (let i = 0; i < 50 && fds() > before; i++) await new Promise((r) => setTimeout(r, 20))
  assert.ok(fds() <= before, `${fds() - before} descriptors left open`)
})

test('answers pipelined requests for files in order', async () => {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write('GET /digits.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-2\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    )
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => (data += d))
    socket.on('error', reject)
    socket.on('close', () => resolve(data))
  })
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1])
  assert.deepEqual(statuses, ['206', '200', '404'])
  assert.ok(text.indexOf('\r\n\r\n012') < text.indexOf('hello world'))
})
