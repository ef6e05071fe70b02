/**
 * `portico/middleware`: static files (`serveStatic`, `mountStatic`, `res.sendFile`), directory
 * listings, CORS, compression of responses and decoding of request bodies, the request
 * logger, and the pure pieces they are built from (ranges, preconditions, negotiation).
 * Importing this entry also installs the seed's Server methods (`setStaticDirectory`,
 * `enableDirectoryListing`, `setCorsEnabled`, `setCorsOrigin`, …) and `res.sendFile`.
 * @module
 */
import './install.js'

export { serveStatic, type StaticOptions, type StaticHandler } from './serve-static.js'
export { mountStatic, mountPattern, type MountOptions } from './mount-static.js'
export { sendFileAt, sendCached, canServeCached, type SendFileOptions, type SendFileOutcome } from './send-file.js'
export { FileCache, type CachedFile, type FileCacheOptions } from './file-cache.js'
export { uploadHandler, deleteHandler, type DirWriteOptions } from './dir-write.js'
export { readListing, sendListing, prefersJson } from './listing.js'
export { renderListingHtml, renderListingJson, sortEntries, humanSize, breadcrumbs, escapeHtml, type ListingEntry } from './listing-render.js'
export { cors, applyCors, applyCorsNow, isPreflight, routeMethods } from './cors.js'
export { CorsPolicy, type CorsOptions, type CorsOrigin, type HeaderPair } from './cors-policy.js'
export { compress, type CompressOptions } from './compress.js'
export { CompressingStream, compressSync, createCompressor, type CodingOptions } from './compressing-stream.js'
export { decodeRequestBody, decodeStream, decodeAll, parseContentEncoding, type DecodeBodyOptions } from './decode-body.js'
export { type SendFileCallOptions } from './install.js'
export { resolveSafePath, isInside, type DotfilesPolicy, type SafePathResult } from './safe-path.js'
export { parseRange, contentRange, planMultipart, type ByteRange, type RangeResult, type RangeOptions, type MultipartPlan, type BytePart } from './range.js'
export {
  evaluateConditionals,
  ifRangeHolds,
  makeEtag,
  parseEtagList,
  strongMatch,
  weakMatch,
  parseHttpDate,
  type Validators,
  type ConditionalHeaders,
  type ConditionalOutcome,
} from './conditional.js'
export { planFile, type FilePlan, type FilePlanOptions, type FileFacts, type FileRequestHeaders } from './file-plan.js'
export { contentTypeFor, isCompressible, DEFAULT_CONTENT_TYPE } from './content-type.js'
export { negotiateEncoding, parseAcceptEncoding, DEFAULT_CODINGS, type Coding } from './negotiate-encoding.js'
export { addVary } from './vary.js'
export { logger, formatBytes, formatDuration, formatPretty, formatJson, type LoggerOptions, type LogSink, type RequestLogRecord, type LoggableRequest, type LoggableResponse } from './logger.js'
