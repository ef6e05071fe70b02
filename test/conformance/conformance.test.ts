import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEVIATIONS } from './deviations.js'
import { caseKey, checkCase, corpusDir, loadCorpus } from './llhttp-corpus.js'

const cases = loadCorpus()

describe('llhttp conformance corpus', () => {
  it('agrees with llhttp on every case, whole and split at every offset (listed deviations aside)', { skip: cases === null ? `corpus not found in ${corpusDir()}` : false }, () => {
    const failures = cases!.map(checkCase).filter((r) => r.verdict === 'failed')
    assert.deepEqual(failures.map((f) => `${f.key} ${f.name}: ${f.problems.join(' | ')}`), [])
    assert.equal(cases!.length, 214)
  })

  it('lists only deviations that exist in the corpus', { skip: cases === null }, () => {
    const keys = new Set(cases!.map(caseKey))
    for (const key of Object.keys(DEVIATIONS)) assert.ok(keys.has(key), `${key} is not a corpus case`)
  })
})
