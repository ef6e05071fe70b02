import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveSafePath, isInside } from '../../src/middleware/safe-path.js'

const ROOT = '/srv/www'

function refused(raw: string, status: number): void {
  const r = resolveSafePath(ROOT, raw)
  assert.equal(r.ok, false, `${raw} must be refused`)
  if (!r.ok) assert.equal(r.status, status, `${raw} → ${r.status} (${r.reason})`)
}

test('maps a plain path and decodes percent-escapes segment by segment', () => {
  const r = resolveSafePath(ROOT, '/docs/a%20b.txt')
  assert.ok(r.ok)
  assert.equal(r.absolute, '/srv/www/docs/a b.txt')
  assert.deepEqual(r.segments, ['docs', 'a b.txt'])
  assert.equal(r.trailingSlash, false)
})

test('maps the root and notes a trailing slash', () => {
  const r = resolveSafePath(ROOT, '/')
  assert.ok(r.ok)
  assert.equal(r.absolute, ROOT)
  assert.equal(r.trailingSlash, true)
})

test('skips empty and single-dot segments', () => {
  const r = resolveSafePath(ROOT, '//a/./b')
  assert.ok(r.ok)
  assert.equal(r.absolute, '/srv/www/a/b')
})

test('refuses .. in every spelling with 403', () => {
  for (const raw of ['/../etc/passwd', '/a/../../etc', '/a/..', '/%2e%2e/etc', '/%2E%2E/etc', '/.%2e/x', '/%2e./x']) refused(raw, 403)
})

test('refuses encoded slashes and backslashes with 403', () => {
  for (const raw of ['/..%2fetc%2fpasswd', '/a%2Fb', '/%2fetc%2fpasswd', '/..\\..\\etc', '/a%5c..%5cb', '/a\\b']) refused(raw, 403)
})

test('refuses NUL bytes with 403', () => {
  refused('/index.html%00.txt', 403)
  refused('/a\0b', 403)
})

test('answers 400 to a malformed percent-escape', () => {
  refused('/%zz', 400)
  refused('/%e0%a4', 400)
})

test('hides dotfiles (404) by default, refuses them (403) when denied, serves them when allowed', () => {
  refused('/.env', 404)
  refused('/.git/config', 404)
  refused('/%2egit/config', 404)
  const denied = resolveSafePath(ROOT, '/.env', 'deny')
  assert.ok(!denied.ok && denied.status === 403)
  const allowed = resolveSafePath(ROOT, '/.well-known/x', 'allow')
  assert.ok(allowed.ok && allowed.absolute === '/srv/www/.well-known/x')
})

test('keeps an absolute-looking path below the root', () => {
  const r = resolveSafePath(ROOT, '//etc/passwd')
  assert.ok(r.ok)
  assert.equal(r.absolute, '/srv/www/etc/passwd')
})

test('isInside tells the root and its descendants from look-alike siblings', () => {
  assert.ok(isInside('/srv/www', '/srv/www'))
  assert.ok(isInside('/srv/www', '/srv/www/a/b'))
  assert.ok(!isInside('/srv/www', '/srv/www2/a'))
  assert.ok(!isInside('/srv/www', '/srv'))
})
