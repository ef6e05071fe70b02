// `portico get -o FILE` through the real command: the file is opened before the request, a
// failed or refused download never replaces FILE, and -C resumes FILE.part or FILE.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from './cli-helpers.js'
import { assertOneLine, BIG, getServer, type GetServer } from './get-fixtures.js'

describe('portico get -o FILE', () => {
  let server: GetServer
  const dir = mkdtempSync(join(tmpdir(), 'portico-get-files-'))
  const at = (name: string): string => join(dir, name)
  before(async () => {
    server = await getServer()
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses a directory before sending the request: one line, exit 2', async () => {
    mkdirSync(at('adir'))
    const before = server.requests.length
    for (const path of ['/ok', '/big']) {
      const r = await runCli(['get', '-s', '-o', at('adir'), server.url + path])
      assert.equal(r.code, 2, r.stderr)
      assertOneLine(r.stderr, /adir: it is a directory/)
    }
    assert.equal(server.requests.length, before, 'no request was sent')
  })

  it('refuses a missing parent directory before sending the request, and creates nothing', async () => {
    const before = server.requests.length
    const r = await runCli(['get', '-s', '-o', at('nodir/x.txt'), server.url + '/ok'])
    assert.equal(r.code, 2, r.stderr)
    assertOneLine(r.stderr, /no such directory .*nodir/)
    assert.equal(server.requests.length, before, 'no request was sent')
    assert.equal(existsSync(at('nodir')), false)
  })

  it('reports a write error (/dev/full) in one line, exit 2, with no stack trace', { skip: !existsSync('/dev/full') }, async () => {
    const r = await runCli(['get', '-s', '-o', '/dev/full', server.url + '/big'])
    assert.equal(r.code, 2, r.stderr)
    assertOneLine(r.stderr, /cannot write \/dev\/full: no space left on device/)
  })

  it('writes through FILE.part and leaves no .part behind on success', async () => {
    writeFileSync(at('fresh.bin'), 'OLD\n')
    const r = await runCli(['get', '-s', '-o', at('fresh.bin'), server.url + '/big'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(readFileSync(at('fresh.bin')), BIG)
    assert.equal(existsSync(at('fresh.bin.part')), false)
  })

  it('keeps the old FILE when the connection resets mid-body, and -C resumes from FILE.part', async () => {
    writeFileSync(at('old.txt'), 'OLD\n')
    const r = await runCli(['get', '-s', '-o', at('old.txt'), server.url + '/reset'])
    assert.equal(r.code, 3, r.stderr)
    assertOneLine(r.stderr, /old\.txt\.part \(resume with -C\)/)
    assert.equal(readFileSync(at('old.txt'), 'utf8'), 'OLD\n')
    assert.equal(statSync(at('old.txt.part')).size, 100_000)
    const resumed = await runCli(['get', '-s', '-C', '-o', at('old.txt'), server.url + '/big'])
    assert.equal(resumed.code, 0, resumed.stderr)
    assert.equal(server.requests.at(-1)?.range, 100_000)
    assert.deepEqual(readFileSync(at('old.txt')), BIG)
    assert.equal(existsSync(at('old.txt.part')), false)
  })

  it('-C with a 503 leaves the partial file untouched and does not write the error body', async () => {
    writeFileSync(at('part.bin'), BIG.subarray(0, 300_000))
    const r = await runCli(['get', '-s', '-C', '-o', at('part.bin'), server.url + '/big503'])
    assert.equal(r.code, 1, r.stderr)
    assertOneLine(r.stderr, /HTTP 503 Service Unavailable; .*part\.bin left unchanged/)
    assert.deepEqual(readFileSync(at('part.bin')), BIG.subarray(0, 300_000))
    assert.equal(existsSync(at('part.bin.part')), false)
  })

  it('an HTTP error never replaces FILE, with or without -C', async () => {
    writeFileSync(at('keep.txt'), 'precious\n')
    const r = await runCli(['get', '-s', '-o', at('keep.txt'), server.url + '/404'])
    assert.equal(r.code, 1, r.stderr)
    assertOneLine(r.stderr, /HTTP 404 Not Found; .*keep\.txt left unchanged/)
    assert.equal(readFileSync(at('keep.txt'), 'utf8'), 'precious\n')
    assert.equal(existsSync(at('keep.txt.part')), false)
  })

  it('416: "already complete" only when the local size is the remote size', async () => {
    writeFileSync(at('done.bin'), BIG)
    const done = await runCli(['get', '-s', '-C', '-o', at('done.bin'), server.url + '/big'])
    assert.equal(done.code, 0, done.stderr)
    assertOneLine(done.stderr, /already complete \(1000000 bytes\)/)
    const bigger = Buffer.concat([BIG, BIG])
    writeFileSync(at('bigger.bin'), bigger)
    const r = await runCli(['get', '-s', '-C', '-o', at('bigger.bin'), server.url + '/big'])
    assert.equal(r.code, 1, r.stderr)
    assertOneLine(r.stderr, /cannot resume at byte 2000000 \(the remote file is 1000000 bytes\)/)
    assert.deepEqual(readFileSync(at('bigger.bin')), bigger)
    writeFileSync(at('unsure.bin'), 'xyz')
    const unsure = await runCli(['get', '-s', '-C', '-o', at('unsure.bin'), server.url + '/nosize416'])
    assert.equal(unsure.code, 1, unsure.stderr)
    assert.doesNotMatch(unsure.stderr, /already complete/)
  })

  it('a missing --cacert or -d @FILE is a usage error: one line, exit 2', async () => {
    const ca = await runCli(['get', '--cacert', at('missing.pem'), server.url + '/ok'])
    assert.equal(ca.code, 2, ca.stderr)
    assertOneLine(ca.stderr, /cannot read --cacert .*missing\.pem: no such file/)
    const data = await runCli(['get', '-d', `@${at('missing.json')}`, server.url + '/ok'])
    assert.equal(data.code, 2, data.stderr)
    assertOneLine(data.stderr, /cannot read -d @.*missing\.json: no such file/)
  })
})
