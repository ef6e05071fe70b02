/**
 * Content types of files, from the `mime-types` database, with `charset=utf-8` for text.
 * @module
 */
import mime from 'mime-types'

/**
 * The type given to files whose extension is unknown.
 *
 * @example
 * ```ts
 * contentTypeFor('README') === DEFAULT_CONTENT_TYPE // true
 * ```
 */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

/**
 * The `Content-Type` for a file name: the registered type of its extension, with
 * `; charset=utf-8` for textual types (`text/*`, JSON, JavaScript), and
 * `application/octet-stream` when the extension is unknown or there is none: a name without a
 * dot after its first character (`html`, `.json`) has no extension.
 *
 * @example
 * ```ts
 * contentTypeFor('index.html') // 'text/html; charset=utf-8'
 * contentTypeFor('photo.png')  // 'image/png'
 * contentTypeFor('blob')       // 'application/octet-stream'
 * contentTypeFor('html')       // 'application/octet-stream'
 * ```
 */
export function contentTypeFor(fileName: string): string {
  const name = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1)
  // `mime-types` reads a bare `html` or `.html` as the extension itself.
  if (name.lastIndexOf('.') < 1) return DEFAULT_CONTENT_TYPE
  const type = mime.contentType(name)
  if (type === false) return DEFAULT_CONTENT_TYPE
  return type.replace(/; charset=UTF-8$/i, '; charset=utf-8')
}

/**
 * Whether a content type is worth compressing: text, JSON, JavaScript, XML, SVG, WebAssembly
 * fonts that are not already compressed; never images, audio, video or archives
 * that are already compressed, and never `text/event-stream` (it must reach the client
 * event by event).
 *
 * @example
 * ```ts
 * isCompressible('text/html; charset=utf-8') // true
 * isCompressible('image/png')                // false
 * isCompressible('text/event-stream')        // false
 * ```
 */
export function isCompressible(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const essence = contentType.split(';')[0].trim().toLowerCase()
  if (essence === 'text/event-stream') return false
  if (essence.startsWith('text/')) return true
  if (/\+(?:json|xml|text)$/.test(essence)) return true
  return COMPRESSIBLE.has(essence)
}

const COMPRESSIBLE = new Set([
  'application/json',
  'application/javascript',
  'application/xml',
  'application/wasm',
  'application/x-ndjson',
  'application/manifest+json',
  'image/svg+xml',
  'image/bmp',
  'image/x-icon',
  'image/vnd.microsoft.icon',
  'font/ttf',
  'font/otf',
])
