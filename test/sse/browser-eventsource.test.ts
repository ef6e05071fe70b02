import { test } from 'node:test'
import assert from 'node:assert/strict'
import { launchChromium, skipWithoutChromium } from '../browser.js'
import '../../src/sse/install.js'
import { createServer } from '../../src/server/server.js'


const PAGE = `<!doctype html><meta charset="utf-8"><title>sse</title><script>
  window.log = []
  const es = new EventSource('/events')
  es.addEventListener('greet', (e) => log.push(['greet', e.data, e.lastEventId]))
  es.onmessage = (e) => log.push(['message', e.data, e.lastEventId])
</script>`

test(
  "a browser's EventSource receives named and multi-line events, then reconnects with Last-Event-ID and gets what it missed",
  { skip: skipWithoutChromium },
  async () => {
    const server = createServer()
    server.sseChannel('feed', { replay: { maxEvents: 20 } })
    const lastIds: string[] = []
    server.get('/', (_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
      res.send(PAGE)
    })
    server.get('/events', (req, res) => {
      lastIds.push(req.getHeader('last-event-id') ?? '')
      res.startSSE({ retryMs: 50, heartbeatMs: 0 }).join('feed')
    })
    await server.listen(0, '127.0.0.1')
    const opened = (): Promise<number> => new Promise((resolve) => server.once('sseConnectionOpened', (id) => resolve(id)))
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      const first = opened()
      await page.goto(`http://127.0.0.1:${server.getPort()}/`)
      const id = await first
      server.broadcast('feed', 'greet', 'héllo', '1')
      server.broadcast('feed', '', 'line a\nline b', '2')
      await page.waitForFunction(() => (globalThis as unknown as { log: unknown[] }).log.length >= 2)
      const second = opened()
      server.closeSseConnection(id)
      server.broadcast('feed', '', 'missed', '3')
      await second
      await page.waitForFunction(() => (globalThis as unknown as { log: unknown[] }).log.length >= 3)
      const log = await page.evaluate(() => (globalThis as unknown as { log: unknown[] }).log)
      assert.deepEqual(log, [
        ['greet', 'héllo', '1'],
        ['message', 'line a\nline b', '2'],
        ['message', 'missed', '3'],
      ])
      assert.deepEqual(lastIds, ['', '2'])
    } finally {
      await browser.close()
      await server.stop({ graceful: false, timeout: 1000 })
    }
  },
)
