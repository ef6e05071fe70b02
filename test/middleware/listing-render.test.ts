import { test } from 'node:test'
import assert from 'node:assert/strict'
import { breadcrumbs, escapeHtml, humanSize, renderListingHtml, renderListingJson, sortEntries } from '../../src/middleware/listing-render.js'

const T = Date.UTC(2025, 4, 6, 7, 8)
const ENTRIES = [
  { name: 'b10.txt', isDirectory: false, size: 10, mtimeMs: T },
  { name: 'src', isDirectory: true, size: 4096, mtimeMs: T },
  { name: 'b2.txt', isDirectory: false, size: 1536, mtimeMs: T },
  { name: 'A.md', isDirectory: false, size: 3 * 1024 * 1024, mtimeMs: T },
  { name: 'docs', isDirectory: true, size: 4096, mtimeMs: T },
]

test('sorts directories first, then names in natural order', () => {
  assert.deepEqual(
    sortEntries(ENTRIES).map((e) => e.name),
    ['docs', 'src', 'A.md', 'b2.txt', 'b10.txt'],
  )
})

test('writes sizes in binary units', () => {
  assert.equal(humanSize(0), '0 B')
  assert.equal(humanSize(1023), '1023 B')
  assert.equal(humanSize(1536), '1.5 KiB')
  assert.equal(humanSize(20 * 1024 * 1024), '20 MiB')
  assert.equal(humanSize(5 * 1024 ** 4), '5 TiB')
})

test('builds breadcrumbs with encoded hrefs', () => {
  assert.deepEqual(breadcrumbs('/a/b c/'), [
    { name: '/', href: '/' },
    { name: 'a', href: '/a/' },
    { name: 'b c', href: '/a/b%20c/' },
  ])
})

test('escapes names in text and in links', () => {
  const html = renderListingHtml('/x/', [{ name: '<img src=x onerror=alert(1)>"&.txt', isDirectory: false, size: 1, mtimeMs: T }])
  assert.ok(!html.includes('<img'))
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;&quot;&amp;.txt'))
  assert.ok(html.includes('href="%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%22%26.txt"'))
})

test('renders rows with sizes, times, a parent link, and directories with a slash', () => {
  const html = renderListingHtml('/files/', ENTRIES)
  assert.match(html, /<title>Index of \/files\/<\/title>/)
  assert.ok(html.includes('href="../"'))
  assert.ok(html.includes('href="docs/"'))
  assert.ok(html.includes('3 MiB'))
  assert.ok(html.includes('2025-05-06 07:08'))
  assert.ok(html.indexOf('docs/') < html.indexOf('A.md'))
  assert.ok(!renderListingHtml('/', ENTRIES).includes('href="../"'))
})

test('renders the same entries as JSON', () => {
  const json = JSON.parse(renderListingJson('/files/', ENTRIES))
  assert.equal(json.path, '/files/')
  assert.deepEqual(json.entries[0], { name: 'docs', type: 'directory', size: null, modified: '2025-05-06T07:08:00.000Z', href: 'docs/' })
  assert.deepEqual(json.entries[2], { name: 'A.md', type: 'file', size: 3145728, modified: '2025-05-06T07:08:00.000Z', href: 'A.md' })
})

test('escapeHtml covers the five special characters', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;')
})
