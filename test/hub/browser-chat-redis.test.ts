// Issue 9's browser check: chat page A on one Portico process, page B on another, both joined
// through a real Redis; a message typed in A appears in B, and back.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { launchChromium, skipWithoutChromium } from '../browser.js'
import { RedisProcess } from '../fixtures/redis.js'
import { startCli } from '../cli/cli-helpers.js'

describe('the chat across two instances joined through Redis, in a real browser', { skip: skipWithoutChromium, timeout: 60_000 }, () => {
  let redis: RedisProcess

  before(async () => {
    redis = await RedisProcess.start()
  })

  after(async () => {
    await redis.stop()
  })

  it('a message typed on instance 1 appears on instance 2, and back (Chromium)', async () => {
    const one = await startCli(['chat', '-p', '0', '--redis', redis.url])
    const two = await startCli(['chat', '-p', '0', '--redis', redis.url]).catch(async (err: unknown) => {
      await one.stop()
      throw err
    })
    const browser = await launchChromium()
    try {
      const open = async (port: number) => {
        const page = await (await browser.newContext({ viewport: { width: 900, height: 600 } })).newPage()
        await page.goto(`http://127.0.0.1:${port}/`)
        await page.waitForSelector('#status.online')
        return page
      }
      const a = await open(one.port)
      const b = await open(two.port)
      // Instance 2 subscribes to Redis when its first client joins; say hello until it hears.
      for (let i = 0; ; i++) {
        assert.ok(i < 40, 'instance 2 never heard instance 1')
        await a.fill('#input', `sync ${i}`)
        await a.press('#input', 'Enter')
        const heard = await b.waitForSelector('#messages li:has-text("sync")', { timeout: 200 }).then(() => true, () => false)
        if (heard) break
      }
      await a.fill('#input', 'Hello from instance one')
      await a.press('#input', 'Enter')
      for (const page of [a, b]) await page.waitForSelector('#messages li:has-text("Hello from instance one")')
      await b.fill('#input', 'Hello back from instance two')
      await b.press('#input', 'Enter')
      for (const page of [a, b]) await page.waitForSelector('#messages li:has-text("Hello back from instance two")')
      assert.equal(await a.locator('#messages li:has-text("Hello from instance one")').count(), 1)
      mkdirSync('test-artifacts', { recursive: true })
      await b.screenshot({ path: 'test-artifacts/chat-redis.png', animations: 'disabled' })
    } finally {
      await browser.close()
      assert.equal(await one.stop(), 0)
      assert.equal(await two.stop(), 0)
    }
  })
})
