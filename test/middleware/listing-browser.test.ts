import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { launchChromium, skipWithoutChromium } from '../browser.js'
import { started, tempDir } from './helpers.js'


test(
  'a browser opens the listing, clicks into a subdirectory, and the breadcrumbs lead back',
  { skip: skipWithoutChromium },
  async () => {
    const files = tempDir('browser')
    mkdirSync(join(files.dir, 'photos 2024'))
    mkdirSync(join(files.dir, 'docs'))
    writeFileSync(join(files.dir, 'README.md'), '# readme\n'.repeat(50))
    writeFileSync(join(files.dir, 'report <final>.pdf'), Buffer.alloc(2_500_000))
    writeFileSync(join(files.dir, 'photos 2024', 'beach.jpg'), Buffer.alloc(340_000))
    writeFileSync(join(files.dir, 'photos 2024', 'café & bar.png'), Buffer.alloc(1200))
    const server = await started((s) => {
      s.setStaticDirectory(files.dir)
      s.enableDirectoryListing(true)
    })
    const browser = await launchChromium()
    try {
      const page = await (await browser.newContext({ viewport: { width: 900, height: 520 } })).newPage()
      await page.goto(`http://127.0.0.1:${server.getPort()}/`)
      assert.equal(await page.title(), 'Index of /')
      const names = await page.locator('td.name a').allTextContents()
      assert.deepEqual(names, ['docs/', 'photos 2024/', 'README.md', 'report <final>.pdf'])
      await page.click('text=photos 2024/')
      await page.waitForURL('**/photos%202024/')
      assert.deepEqual(await page.locator('td.name a').allTextContents(), ['..', 'beach.jpg', 'café & bar.png'])
      assert.equal(await page.locator('td.size').nth(1).textContent(), '332 KiB')
      mkdirSync('test-artifacts', { recursive: true })
      await page.screenshot({ path: 'test-artifacts/listing.png', animations: 'disabled' })
      await page.click('h1 a[href="/"]')
      await page.waitForURL(`http://127.0.0.1:${server.getPort()}/`)
      assert.equal(await page.title(), 'Index of /')
    } finally {
      await browser.close()
      await server.stop({ graceful: false })
      files.remove()
    }
  },
)
