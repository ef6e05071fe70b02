/**
 * `npm run conformance`: every case of the llhttp corpus through Portico's parsers. Prints one
 * line per disagreement, then `conformance: A/N agree, D deliberate deviations, F failed`.
 */
import { checkCase, corpusDir, loadCorpus } from './llhttp-corpus.js'

const cases = loadCorpus()
if (cases === null) {
  console.error(`conformance: corpus not found in ${corpusDir()} (set PORTICO_LLHTTP_CORPUS)`)
  process.exit(2)
}
let agree = 0
let deviations = 0
let failed = 0
for (const c of cases) {
  const r = checkCase(c)
  if (r.verdict === 'agree') agree++
  else if (r.verdict === 'deviation') deviations++
  else {
    failed++
    console.log(`FAIL ${r.key} ${r.name}: ${r.problems.join(' | ')}`)
  }
}
console.log(`conformance: ${agree}/${cases.length} agree, ${deviations} deliberate deviations, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
