import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { createServer } from '../../src/server/index.js'
import { selfSignedFiles } from '../fixtures/tls.js'
import { RawClient, get, sleep, started, statusLines } from './helpers.js'

describe('lifecycle: listen, stop, TLS, upgrade, maxConnections', () => {
  it('listens on port 0, tells the port, calls afterInit, and stops', async () => {
    let initPort = -1
    const s = createServer({ afterInit: (srv) => (initPort = srv.getPort()) })
    s.get('/', () => 'hi')
    assert.equal(s.isListening(), false)
    assert.equal(s.getPort(), 0)
    await s.listen(0, '127.0.0.1')
    assert.equal(s.isListening(), true)
    assert.ok(s.getPort() > 0)
    assert.equal(initPort, s.getPort())
    assert.equal(await (await fetch(`http://127.0.0.1:${s.getPort()}/`)).text(), 'hi')
    await s.stop()
    assert.equal(s.isListening(), false)
  })

  it("listens dual-stack on '*' (IPv4 and IPv6 loopback)", async () => {
    const s = createServer()
    s.get('/', () => 'both')
    await s.listen(0)
    const v4 = await RawClient.connect(s.getPort(), '127.0.0.1')
    v4.write(get('/'))
    await v4.until((d) => d.includes('both'))
    v4.close()
    let v6: RawClient | undefined
    try {
      v6 = await RawClient.connect(s.getPort(), '::1')
    } catch {
      v6 = undefined // no IPv6 on this host
    }
    if (v6 !== undefined) {
      v6.write(get('/'))
      await v6.until((d) => d.includes('both'))
      v6.close()
    }
    await s.stop()
  })

  it('serves an existing net.Server and a listening file descriptor', async () => {
    const outer = net.createServer({ allowHalfOpen: true })
    await new Promise<void>((r) => outer.listen(0, '127.0.0.1', r))
    const s = createServer()
    s.get('/', () => 'adopted')
    await s.listen(outer)
    const port = (outer.address() as net.AddressInfo).port
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'adopted')
    await s.stop()
    await new Promise<void>((r) => outer.close(() => r()))

    // systemd style: a listening socket inherited as fd 3 by a child process
    const holder = net.createServer()
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
    const fd = (holder as unknown as { _handle: { fd: number } })._handle.fd
    const holderPort = (holder.address() as net.AddressInfo).port
    const entry = new URL('../../src/server/index.js', import.meta.url).href
    const script = `const { createServer } = await import(${JSON.stringify(entry)});
      const s = createServer(); s.get('/', () => 'fd ' + s.getPort()); await s.listen({ fd: 3 }); console.log('ready')`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit', fd] })
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve())
        child.once('exit', () => reject(new Error('child exited')))
      })
      await new Promise<void>((r) => holder.close(() => r()))
      assert.equal(await (await fetch(`http://127.0.0.1:${holderPort}/`)).text(), 'fd ' + holderPort)
    } finally {
      child.kill()
    }
  })

  it('serves HTTPS with a key and certificate given as paths or PEM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-tls-'))
    try {
      const { key, cert, keyFile, certFile } = selfSignedFiles(dir)
      for (const material of [
        { key: keyFile, cert: certFile },
        { key, cert },
      ]) {
        const s = createServer()
        s.get('/', (req) => 'secure ' + req.httpVersion)
        await s.listen(0, '127.0.0.1', { tls: material })
        const body = await new Promise<string>((resolve, reject) => {
          const sock = tls.connect({ port: s.getPort(), host: '127.0.0.1', ca: cert, servername: 'localhost' }, () => sock.write(get('/', 'Connection: close\r\n')))
          let data = ''
          sock.setEncoding('utf8')
          sock.on('data', (d: string) => (data += d))
          sock.on('end', () => resolve(data))
          sock.on('error', reject)
        })
        assert.match(body, /secure 1\.1/)
        await s.stop()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('stop(): idle keep-alive closes at once, in-flight ends with Connection: close, nothing accepted is lost', async () => {
    const s = await started((s) => {
      s.get('/', () => 'x')
      s.get('/slow', async () => {
        await sleep(150)
        return 'slow done'
      })
    })
    const idle = await RawClient.connect(s.getPort())
    idle.write(get('/'))
    await idle.until((d) => d.includes('\r\n\r\nx'))
    const busy = await RawClient.connect(s.getPort())
    busy.write(get('/slow') + get('/slow'))
    await sleep(30)
    let stopped = false
    const stopping = s.stop({ timeout: 5000 }).then(() => (stopped = true))
    await idle.closedByPeer(1000)
    assert.equal(stopped, false)
    const data = await busy.closedByPeer(3000)
    assert.equal(data.split('slow done').length, 3)
    assert.equal(statusLines(data).length, 2)
    assert.match(data.slice(data.lastIndexOf('HTTP/1.1')), /Connection: close/)
    await stopping
    assert.equal(s.activeConnections, 0)
    const refused = await RawClient.connect(s.getPort()).then(() => false, () => true)
    assert.equal(refused, true)
  })

  /** /slow then /fast pipelined; /fast is answered (keep-alive head built) while /slow waits; then stop(). */
  async function keepAliveAnsweredBeforeStop(): Promise<{ c: RawClient; stopping: Promise<void> }> {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const s = await started((s) => {
      s.get('/slow', async () => {
        await gate
        return 'slow done'
      })
      s.get('/fast', () => 'fast done')
    })
    const c = await RawClient.connect(s.getPort())
    c.write(get('/slow') + get('/fast'))
    await sleep(30)
    const stopping = s.stop({ timeout: 5000 })
    release()
    await c.until((d) => d.includes('fast done'))
    return { c, stopping }
  }

  it('stop(): after a response whose keep-alive head was built before the stop, the next request is still answered, with Connection: close', async () => {
    const { c, stopping } = await keepAliveAnsweredBeforeStop()
    assert.doesNotMatch(c.data, /Connection: close/)
    // The client was told it may go on: its next request gets an answer, not a closed socket.
    c.write(get('/fast'))
    const data = await c.closedByPeer(3000)
    assert.equal(statusLines(data).length, 3)
    assert.match(data.slice(data.lastIndexOf('HTTP/1.1')), /Connection: close\r\n[\s\S]*fast done$/)
    await stopping
  })

  it('stop(): a connection whose keep-alive response went out during the stop closes about a second later when nothing comes', async () => {
    const { c, stopping } = await keepAliveAnsweredBeforeStop()
    const t0 = Date.now()
    await c.closedByPeer(3000)
    assert.ok(Date.now() - t0 < 2000)
    await stopping
  })

  it('stop(): force-closes what is left at the deadline, and graceful:false closes at once', async () => {
    const s = await started((s) => s.get('/hang', () => new Promise(() => {})))
    const c = await RawClient.connect(s.getPort())
    c.write(get('/hang'))
    await sleep(20)
    const t0 = Date.now()
    await s.stop({ timeout: 100 })
    assert.ok(Date.now() - t0 < 2000)
    await c.closedByPeer(1000)

    const t = await started((s) => s.get('/hang', () => new Promise(() => {})))
    const d = await RawClient.connect(t.getPort())
    d.write(get('/hang'))
    await sleep(20)
    await t.stop({ graceful: false })
    await d.closedByPeer(1000)
  })

  it('runs onStop hooks before closing sockets', async () => {
    const s = await started(() => {})
    const seen: boolean[] = []
    s.onStop((graceful) => {
      seen.push(graceful, s.isListening())
    })
    await s.stop()
    assert.deepEqual(seen, [true, false])
  })

  it('hands an upgrade request over with the bytes after its head', async () => {
    const s = await started((s) => s.get('/ws', (req, res) => {
      assert.equal(req.isUpgrade, true)
      assert.equal(req.upgradeProtocol, 'echo')
      const { socket, head } = res.upgrade('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
      socket.write('head=' + head.toString() + ';')
      socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()))
      socket.resume()
    }))
    const c = await RawClient.connect(s.getPort())
    c.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nearly')
    await c.until((d) => d.includes('head=early;'))
    assert.equal(s.activeConnections, 0)
    c.write('later')
    await c.until((d) => d.includes('LATER'))
    assert.match(c.data, /^HTTP\/1.1 101 Switching Protocols/)
    c.close()
    await s.stop()
  })

  it('answers an upgrade request normally when the handler does not upgrade, then closes', async () => {
    const s = await started((s) => s.get('/ws', () => 'no thanks'))
    const c = await RawClient.connect(s.getPort())
    c.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
    assert.match(await c.closedByPeer(), /no thanks/)
    await s.stop()
  })

  it('holds connections past maxConnections unread until one closes', async () => {
    const s = await started((s) => s.get('/', () => 'x'), { maxConnections: 1 })
    const a = await RawClient.connect(s.getPort())
    a.write(get('/'))
    await a.until((d) => d.includes('\r\n\r\nx'))
    const b = await RawClient.connect(s.getPort())
    b.write(get('/'))
    await sleep(50)
    assert.equal(b.data, '')
    assert.equal(s.activeConnections, 1)
    a.close()
    await b.until((d) => d.includes('\r\n\r\nx'))
    b.close()
    await s.stop()
  })
})
