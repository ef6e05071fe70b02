// Renders docs/errors.md from the error registry (src/errors.ts). Shared by the generator
// (`npm run docs:errors`) and the test that keeps the doc and the registry in step.
import { ERRORS, type ErrorSpec } from '../src/errors.js'

/** The whole text of docs/errors.md for the current registry. */
export function renderErrorsDoc(): string {
  const lines = [
    '# Error codes',
    '',
    'Every error Portico raises is a `PorticoError` (from `portico`) with a stable `code`, the HTTP',
    '`status` it maps to where one applies, and `cause`. Codes are never renamed nor reused.',
    'This file is generated from `src/errors.ts` by `npm run docs:errors`; a test fails when the two differ.',
    '',
    '| code | status | meaning |',
    '| --- | --- | --- |',
  ]
  for (const [code, spec] of Object.entries(ERRORS) as [string, ErrorSpec][]) {
    lines.push(`| \`${code}\` | ${spec.status ?? '—'} | ${spec.message.replace(/\|/g, '\\|')} |`)
  }
  return lines.join('\n') + '\n'
}
