// Writes docs/errors.md from the registry. Run with `npm run docs:errors`.
import { writeFileSync } from 'node:fs'
import { renderErrorsDoc } from './errors-doc.js'

writeFileSync(new URL('../../docs/errors.md', import.meta.url), renderErrorsDoc())
console.log('docs/errors.md written')
