import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { describe, it } from 'node:test'
import { launchChromium, skipWithoutChromium } from '../browser.js'
import { startChat } from '../../src/examples/chat/chat-server.js'
import { connectWebSocket } from '../../src/websocket/index.js'


describe('the chat example (Toit HTTP tutorial)', () => {
  it('serves the page at / and /index.html and 404 elsewhere', async () => {
    const { server, url } = await startChat()
    for (const path of ['', 'index.html']) {
      const res = await fetch(url + path)
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
      assert.match(await res.text(), /new WebSocket\(/)
    }
    assert.equal((await fetch(url + 'nope')).status, 404)
    await server.stop()
  })

  it('broadcasts every message to all clients, the sender included', async () => {
    const { server, url } = await startChat()
    const wsUrl = url.replace('http', 'ws') + 'ws'
    const a = await connectWebSocket(wsUrl)
    const b = await connectWebSocket(wsUrl)
    while (server.topics.subscriberCount('chat') < 2) await new Promise((r) => setTimeout(r, 5))
    await a.send('hello from a')
    assert.equal(await a.receive(), 'hello from a')
    assert.equal(await b.receive(), 'hello from a')
    // The tutorial forwards whatever arrives (`it.send data`): binary messages too.
    await b.send(new Uint8Array([0, 1, 2, 255]))
    for (const ws of [a, b]) assert.deepEqual([...(await ws.receive()) as Uint8Array], [0, 1, 2, 255])
    await a.close()
    await b.close()
    await server.stop()
  })

  it('a message typed in one browser page appears in both (Chromium)', { skip: skipWithoutChromium }, async () => {
    const { server, url } = await startChat()
    const browser = await launchChromium()
    try {
      const newPage = async () => (await browser.newContext({ viewport: { width: 900, height: 600 } })).newPage()
      const [one, two] = [await newPage(), await newPage()]
      for (const page of [one, two]) {
        await page.goto(url)
        await page.waitForSelector('#status.online')
      }
      await one.fill('#input', 'Hello from page one')
      await one.press('#input', 'Enter')
      for (const page of [one, two]) await page.waitForSelector('#messages li:has-text("Hello from page one")')
      await two.fill('#input', 'And hello back from page two')
      await two.press('#input', 'Enter')
      for (const page of [one, two]) await page.waitForSelector('#messages li:has-text("And hello back from page two")')
      assert.equal(await one.locator('#messages li.mine').count(), 1)
      mkdirSync('test-artifacts', { recursive: true })
      await one.bringToFront()
      await one.screenshot({ path: 'test-artifacts/chat.png', animations: 'disabled' })
    } finally {
      await browser.close()
      await server.stop()
    }
  })
})
