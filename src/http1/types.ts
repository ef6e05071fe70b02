/**
 * The shapes the HTTP/1.1 codec hands out: parser limits, message heads and the callbacks a
 * parser calls. Shared by the server (requests) and the client (responses).
 * @module
 */

/**
 * Limits enforced while parsing (defaults are Node's). Exceeding one raises an
 * `HttpParseError` whose `status` is the answer a server gives (414, 431, …).
 *
 * @example
 * ```ts
 * new RequestParser(callbacks, { maxHeaderSize: 8 * 1024, maxHeaderCount: 50 })
 * ```
 */
export interface ParserLimits {
  /** Bytes of the start line plus all header lines (and, separately, of all trailer lines). Default 16 KiB → 431. */
  maxHeaderSize: number
  /** Bytes of the request-target. Default 8 KiB → 414. */
  maxUrlLength: number
  /** Number of header fields (and, separately, of trailer fields). Default 100 → 431. */
  maxHeaderCount: number
  /** Bytes of the extensions on one chunk-size line. Default 4 KiB → 400. */
  maxChunkExtensionSize: number
}

/**
 * The default {@link ParserLimits}.
 *
 * @example
 * ```ts
 * DEFAULT_PARSER_LIMITS.maxHeaderSize // 16384
 * ```
 */
export const DEFAULT_PARSER_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxHeaderSize: 16 * 1024,
  maxUrlLength: 8 * 1024,
  maxHeaderCount: 100,
  maxChunkExtensionSize: 4 * 1024,
})

/**
 * What a request and a response head have in common. Header names keep their wire case;
 * `rawHeaders` is flat (`[name0, value0, name1, value1, …]`) in wire order, as Node's
 * `rawHeaders`; `get(name)` looks a field up case-insensitively.
 */
export interface MessageHead {
  readonly versionMajor: number
  readonly versionMinor: number
  /** `'1.1'`, `'1.0'`. */
  readonly httpVersion: string
  /** Flat `[name, value, …]`, wire order, names in their original case, values without surrounding OWS. */
  readonly rawHeaders: string[]
  /** The `Content-Length` value, or -1 when there is none. */
  readonly contentLength: number
  /** `Transfer-Encoding` ends in `chunked`. */
  readonly chunked: boolean
  /** Whether the connection stays open after this message (RFC 9112 §9.3). */
  readonly keepAlive: boolean
  /**
   * The connection switches protocol after this message: a request with `Upgrade` and
   * `Connection: upgrade`, a `CONNECT` request, or a `101` response. The parser stops after
   * it and `execute` returns the offset where the other protocol's bytes begin.
   */
  readonly upgrade: boolean
  /**
   * The first value of a field, looked up case-insensitively; repeated fields are joined with
   * `, ` (RFC 9110 §5.3) except `Set-Cookie`, whose first value is returned.
   */
  get(name: string): string | undefined
  /** Every value of a field, in wire order. */
  getAll(name: string): string[]
}

/** A parsed request head. */
export interface RequestHead extends MessageHead {
  /** The method token exactly as received (`'GET'`). */
  readonly method: string
  /** The request-target exactly as received (`'/a?b=1'`, `'*'`, `'host:443'`, `'http://x/y'`). */
  readonly url: string
  /** `Expect: 100-continue` was sent (HTTP/1.1 only). */
  readonly expectContinue: boolean
}

/** A parsed response head. */
export interface ResponseHead extends MessageHead {
  readonly statusCode: number
  /** The reason phrase as received (`''` when absent). */
  readonly statusMessage: string
}

/** One chunk extension: `[name, value]`, value `null` when absent; quoted values keep their quotes. */
export type ChunkExtension = [name: string, value: string | null]

/**
 * Callbacks a parser calls, synchronously, from inside `execute`/`finish`. Body chunks are
 * views into the buffer given to `execute` (no copy).
 */
export interface ParserCallbacks<Head extends MessageHead> {
  /**
   * The head is complete. For the response parser, return `true` to say the message has no
   * body whatever its headers say (the answer to a HEAD request, as llhttp's skip-body).
   */
  onHead(head: Head): boolean | void
  /** A piece of the (de-chunked) body. */
  onBody(chunk: Buffer): void
  /** A chunk-size line was read (for chunked bodies; the last chunk has size 0). */
  onChunkHeader?(size: number, extensions: ChunkExtension[]): void
  /** Trailer fields after a chunked body, flat `[name, value, …]`. */
  onTrailers?(trailers: string[]): void
  /** The message is complete. */
  onComplete(): void
}
