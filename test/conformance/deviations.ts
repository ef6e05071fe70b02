/**
 * Cases of the llhttp corpus where Portico deliberately differs from llhttp, always by being
 * stricter (it refuses what llhttp accepts, or refuses before announcing the head). Keyed by
 * `file:line` of the corpus (the file relative to llhttp's `test/`). Each entry names the
 * error Portico raises instead; docs/conformance.md lists the same table with the reasons.
 */
import type { ErrorCode } from '../../src/errors.js'

export interface Deviation {
  /** Why Portico is stricter here. */
  readonly reason: string
  /** The error Portico raises for this input. */
  readonly code: ErrorCode
  /** The offset of that error in the whole input, when it is fixed. */
  readonly offset?: number
}

export const DEVIATIONS: Readonly<Record<string, Deviation>> = {
  'request/method.md:372': {
    reason: 'ICE/1.0 request line: Portico speaks HTTP only and answers 505 (llhttp accepts ICE for SOURCE).',
    code: 'PORTICO_ERR_VERSION_NOT_SUPPORTED',
    offset: 29,
  },
  'request/method.md:400': {
    reason: 'RTSP/1.0 request line: Portico speaks HTTP only and answers 505 (llhttp accepts RTSP).',
    code: 'PORTICO_ERR_VERSION_NOT_SUPPORTED',
    offset: 31,
  },
  'request/method.md:430': {
    reason: 'RTSP/1.0 request line: Portico speaks HTTP only and answers 505 (llhttp accepts RTSP).',
    code: 'PORTICO_ERR_VERSION_NOT_SUPPORTED',
    offset: 32,
  },
  'response/sample.md:40': {
    reason: 'RTSP/1.1 status line: the client speaks HTTP only (llhttp accepts RTSP).',
    code: 'PORTICO_ERR_VERSION_NOT_SUPPORTED',
    offset: 4,
  },
  'response/sample.md:60': {
    reason: 'ICE/1.1 status line: the client speaks HTTP only (llhttp accepts ICE).',
    code: 'PORTICO_ERR_VERSION_NOT_SUPPORTED',
    offset: 3,
  },
  'request/transfer-encoding.md:464': {
    reason: 'Unknown transfer coding `pigeons` in a request: refused with 501 before the head is announced (llhttp announces the head, then fails at the same offset).',
    code: 'PORTICO_ERR_UNSUPPORTED_TRANSFER_CODING',
    offset: 49,
  },
  'request/transfer-encoding.md:840': {
    reason: 'Unknown transfer coding `chunkedchunked` in a request: refused with 501 before the head is announced (llhttp announces the head, then fails at the same offset).',
    code: 'PORTICO_ERR_UNSUPPORTED_TRANSFER_CODING',
    offset: 104,
  },
}
