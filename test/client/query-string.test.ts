import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { HTTPClient, queryStringFromDict } from '../../src/client/index.js'

describe('queryStringFromDict', () => {
  it("gives the seed's first example", () => {
    assert.equal(new HTTPClient().queryStringFromDict({ username: 'user', password: 'pass' }), 'username=user&password=pass')
  })

  it("gives the seed's second example: null is a bare key, arrays repeat the key", () => {
    assert.equal(
      queryStringFromDict({ single: 123, not_valued: null, multiple: [22, 33, 44] }),
      'single=123&not_valued&multiple=22&multiple=33&multiple=44',
    )
  })

  it('percent-encodes keys and values', () => {
    assert.equal(queryStringFromDict({ 'a b': 'c&d=e', 'é': '/?#' }), 'a%20b=c%26d%3De&%C3%A9=%2F%3F%23')
    assert.equal(queryStringFromDict({}), '')
    assert.equal(queryStringFromDict({ t: true, n: [null, 'x'] }), 't=true&n&n=x')
  })
})
