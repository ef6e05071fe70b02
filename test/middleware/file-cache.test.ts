import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Stats } from 'node:fs'
import { FileCache } from '../../src/middleware/file-cache.js'

function stat(over: Partial<Stats> = {}): Stats {
  return { dev: 1, ino: 2, size: 3, mtimeMs: 4, ctimeMs: 5, ...over } as Stats
}

test('returns an entry while the file is the same and unchanged', () => {
  const c = new FileCache()
  c.set('/a', stat(), 'text/plain', Buffer.from('abc'))
  assert.equal(c.get('/a', stat())?.body.toString(), 'abc')
})

test('drops an entry when inode, size, mtime or ctime differ', () => {
  for (const change of [{ ino: 9 }, { dev: 9 }, { size: 4 }, { mtimeMs: 9 }, { ctimeMs: 9 }]) {
    const c = new FileCache()
    c.set('/a', stat(), 'text/plain', Buffer.from('abc'))
    assert.equal(c.get('/a', stat(change)), undefined, JSON.stringify(change))
    assert.equal(c.size, 0)
  }
})

test('keeps within its byte budget, evicting the oldest', () => {
  const c = new FileCache({ maxBytes: 10 })
  c.set('/a', stat({ size: 4 }), 't', Buffer.alloc(4))
  c.set('/b', stat({ size: 4 }), 't', Buffer.alloc(4))
  c.set('/c', stat({ size: 4 }), 't', Buffer.alloc(4))
  assert.equal(c.size, 2)
  assert.equal(c.get('/a', stat({ size: 4 })), undefined)
})

test('refuses files above the size limit or not read whole', () => {
  const c = new FileCache({ maxFileSize: 2 })
  c.set('/a', stat(), 't', Buffer.from('abc'))
  assert.equal(c.size, 0)
  const d = new FileCache()
  d.set('/a', stat({ size: 10 }), 't', Buffer.from('abc'))
  assert.equal(d.size, 0)
})
