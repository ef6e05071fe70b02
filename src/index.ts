/**
 * Portico: a fast, strict HTTP/1.1 toolkit for Node.js. This entry re-exports the public API;
 * each feature also has its own subpath (`portico/http1`, …).
 * @module
 */
export { ERRORS, PorticoError, HttpParseError, HttpError, isPorticoError } from './errors.js'
export type { ErrorCode, ErrorSpec, PorticoErrorOptions } from './errors.js'
export * from './http1/index.js'
