import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { canonicalPath, decodeValue, encodeLiteral, hasDotSegment, normalizePercent } from '../../src/router/path.js'
import { parseIntSegment } from '../../src/router/match.js'

describe('router path helpers', () => {
  it('decodes escapes of unreserved characters and upper-cases the others', () => {
    assert.equal(normalizePercent('/%7euser/%41%2d%2E%5F/a%2fb%3a'), '/~user/A-._/a%2Fb%3A')
    assert.equal(normalizePercent('/plain'), '/plain')
  })

  it('refuses a % not followed by two hex digits', () => {
    for (const bad of ['/%', '/%4', '/%4g', '/%%41', '/a%zz']) assert.equal(normalizePercent(bad), undefined, bad)
  })

  it('decodes captured values as UTF-8, undefined when they are not', () => {
    assert.equal(decodeValue('caf%C3%A9'), 'café')
    assert.equal(decodeValue('a%2Fb'), 'a/b')
    assert.equal(decodeValue('no-escape'), 'no-escape')
    assert.equal(decodeValue('%E9'), undefined)
  })

  it('computes the canonical path: empty segments and the trailing slash dropped, dot segments left alone', () => {
    assert.equal(canonicalPath('//users//42/'), '/users/42')
    assert.equal(canonicalPath('/a/./b/../c'), '/a/./b/../c')
    assert.equal(canonicalPath('//a/..//b/'), '/a/../b')
    assert.equal(canonicalPath('/'), '/')
    assert.equal(canonicalPath('//'), '/')
  })

  it('finds dot segments in a wildcard rest, and only whole ones', () => {
    for (const yes of ['.', '..', './a', 'a/..', 'a/./b', 'a/../b']) assert.equal(hasDotSegment(yes), true, yes)
    for (const no of ['', 'a.b', '.a', 'a..', '...', 'a/.b/c', 'a/b..']) assert.equal(hasDotSegment(no), false, no)
  })

  it('encodes literal segments as request paths carry them', () => {
    assert.equal(encodeLiteral('café'), 'caf%C3%A9')
    assert.equal(encodeLiteral('a b'), 'a%20b')
    assert.equal(encodeLiteral("!$&'()*+,;=:@-._~"), "!$&'()*+,;=:@-._~")
    assert.equal(encodeLiteral('%7ex%2f'), '~x%2F')
    assert.equal(encodeLiteral('😀'), '%F0%9F%98%80')
    assert.equal(encodeLiteral('%x'), undefined)
  })

  it('parses integer segments within the safe range only', () => {
    const int = (s: string): number | undefined => parseIntSegment(`/${s}/`, 1, s.length + 1)
    assert.deepEqual(['0', '42', '-42', '007', '9007199254740991', '-9007199254740991'].map(int), [0, 42, -42, 7, 9007199254740991, -9007199254740991])
    assert.deepEqual(['', '-', '+1', '1.0', '1e3', ' 1', '9007199254740992', '99999999999999999999'].map(int), Array(8).fill(undefined))
  })
})
