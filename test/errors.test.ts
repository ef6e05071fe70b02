import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { ERRORS, HttpError, HttpParseError, PorticoError, isPorticoError } from '../src/errors.js'
import { renderErrorsDoc } from '../scripts/errors-doc.js'

test('docs/errors.md lists exactly the codes of the registry (run npm run docs:errors)', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  assert.equal(doc, renderErrorsDoc())
})

test('every code is PORTICO_ERR_ followed by upper-case words', () => {
  for (const code of Object.keys(ERRORS)) assert.match(code, /^PORTICO_ERR_[A-Z0-9]+(_[A-Z0-9]+)*$/)
})

test('a PorticoError carries its code, the registry status and cause', () => {
  const cause = new Error('inner')
  const err = new PorticoError('PORTICO_ERR_URI_TOO_LONG', undefined, { cause })
  assert.equal(err.code, 'PORTICO_ERR_URI_TOO_LONG')
  assert.equal(err.status, 414)
  assert.equal(err.cause, cause)
  assert.ok(isPorticoError(err, 'PORTICO_ERR_URI_TOO_LONG'))
  assert.ok(!isPorticoError(new Error('x')))
})

test('HttpParseError names its offset; HttpError carries its own status', () => {
  const p = new HttpParseError('PORTICO_ERR_BARE_CR', 17)
  assert.equal(p.offset, 17)
  assert.equal(p.status, 400)
  assert.ok(p instanceof PorticoError)
  const h = new HttpError(418, 'teapot')
  assert.equal(h.status, 418)
  assert.equal(h.message, 'teapot')
  assert.equal(h.code, 'PORTICO_ERR_HTTP')
})
