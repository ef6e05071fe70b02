/**
 * Uploads and deletions honour what RFC 9110 asks of them: no partial PUT (§14.5), and the
 * preconditions of §13.1 evaluated against the validators a GET sends, before anything is
 * written or removed. Also: a temporary name short enough for any legal file name.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Server } from '../../src/server/index.js'
import { request, started, tempDir } from './helpers.js'

const ORIGINAL = 'ORIGINAL:' + 'o'.repeat(991)
let base: ReturnType<typeof tempDir>
let root: string
let server: Server
let port: number

before(async () => {
  base = tempDir('write-rules')
  root = join(base.dir, 'root')
  mkdirSync(root)
  server = await started((s) => s.serveStatic('/', root, { upload: true, delete: true }))
  port = server.getPort()
})

after(async () => {
  await server.stop({ graceful: false })
  base.remove()
})

/** Writes the original file and returns the ETag a GET of it sends. */
async function original(name: string): Promise<string> {
  writeFileSync(join(root, name), ORIGINAL)
  const r = await request(port, `/${name}`)
  assert.equal(r.status, 200)
  return r.headers.etag as string
}

const put = (name: string, body: string, headers: Record<string, string> = {}) => request(port, `/${name}`, { method: 'PUT', body, headers })
const del = (name: string, headers: Record<string, string> = {}) => request(port, `/${name}`, { method: 'DELETE', headers })
const content = (name: string) => readFileSync(join(root, name), 'utf8')

test('answers 400 to a PUT with Content-Range and keeps the file (RFC 9110 §14.5)', async () => {
  await original('range.txt')
  const r = await put('range.txt', 'PARTIAL-10', { 'Content-Range': 'bytes 0-9/1000' })
  assert.equal(r.status, 400)
  assert.equal(content('range.txt'), ORIGINAL)
})

test('answers 412 to PUT If-None-Match: * on an existing file and keeps it; creates a missing one', async () => {
  await original('create.txt')
  assert.equal((await put('create.txt', 'clobbered', { 'If-None-Match': '*' })).status, 412)
  assert.equal(content('create.txt'), ORIGINAL)
  const r = await put('fresh.txt', 'new', { 'If-None-Match': '*' })
  assert.equal(r.status, 201)
  assert.equal(content('fresh.txt'), 'new')
})

test('lets exactly one of several concurrent PUT If-None-Match: * create the file', async () => {
  const bodies = ['A', 'B', 'C', 'D', 'E', 'F'].map((c) => c.repeat(50_000))
  const statuses = await Promise.all(bodies.map((b) => put('race.txt', b, { 'If-None-Match': '*' }).then((r) => r.status)))
  assert.deepEqual(
    [...statuses].sort(),
    [201, 412, 412, 412, 412, 412],
  )
  const winner = bodies[statuses.indexOf(201)]
  assert.equal(content('race.txt'), winner)
})

test('answers 412 to PUT If-Match with a stale ETag and keeps the file; replaces it with the current ETag', async () => {
  const etag = await original('match.txt')
  assert.equal((await put('match.txt', 'lost update', { 'If-Match': '"stale-etag"' })).status, 412)
  assert.equal(content('match.txt'), ORIGINAL)
  assert.equal((await put('nothing-here.txt', 'x', { 'If-Match': '*' })).status, 412)
  assert.ok(!existsSync(join(root, 'nothing-here.txt')))
  const r = await put('match.txt', 'second version', { 'If-Match': etag })
  assert.equal(r.status, 204)
  assert.equal(content('match.txt'), 'second version')
})

test('answers a successful PUT with the ETag a GET then sends', async () => {
  const r = await put('tagged.txt', 'tagged body')
  assert.equal(r.status, 201)
  assert.match(String(r.headers.etag), /^"[0-9a-f]+-[0-9a-f]+"$/)
  const g = await request(port, '/tagged.txt')
  assert.equal(g.headers.etag, r.headers.etag)
  assert.equal(g.headers['last-modified'], r.headers['last-modified'])
  assert.equal((await put('tagged.txt', 'again', { 'If-Match': String(r.headers.etag) })).status, 204)
})

test('answers 412 to PUT If-Unmodified-Since before the file last changed', async () => {
  await original('since.txt')
  const r = await put('since.txt', 'late', { 'If-Unmodified-Since': 'Sun, 06 Nov 1994 08:49:37 GMT' })
  assert.equal(r.status, 412)
  assert.equal(content('since.txt'), ORIGINAL)
})

test('answers 412 to DELETE with a stale If-Match and keeps the file; deletes with the current ETag', async () => {
  const etag = await original('gone.txt')
  assert.equal((await del('gone.txt', { 'If-Match': '"stale-etag"' })).status, 412)
  assert.ok(existsSync(join(root, 'gone.txt')))
  assert.equal((await del('gone.txt', { 'If-None-Match': etag })).status, 412)
  assert.ok(existsSync(join(root, 'gone.txt')))
  assert.equal((await del('gone.txt', { 'If-Match': etag })).status, 204)
  assert.ok(!existsSync(join(root, 'gone.txt')))
})

test('stores a file with a legal 244-character name (the temporary name is short)', async () => {
  const name = 'L'.repeat(240) + '.txt'
  const r = await put(name, 'long name')
  assert.equal(r.status, 201)
  assert.equal(content(name), 'long name')
  assert.deepEqual(
    readdirSync(root).filter((n) => n.endsWith('.upload')),
    [],
  )
})
