/**
 * The states of the HTTP/1.1 parsers, the byte constants they compare against and the bits
 * of header kinds. Numbers, not strings: the parsers switch on them for every span.
 * @module
 */

/** Between messages (leading CRLFs are skipped here). */
export const ST_START = 0
// Start line (the head section begins here).
export const ST_METHOD = 1
export const ST_URL = 2
export const ST_PROTO = 3
export const ST_MAJOR = 4
export const ST_DOT = 5
export const ST_MINOR = 6
export const ST_AFTER_VERSION = 7
export const ST_STATUS = 8
export const ST_STATUS_AFTER = 9
export const ST_REASON = 10
export const ST_LINE_LF = 11
// Field lines (head or trailer section).
export const ST_FIELD_START = 12
export const ST_NAME = 13
export const ST_NAME_WS = 14
export const ST_VALUE_OWS = 15
export const ST_VALUE = 16
export const ST_VALUE_CL = 17
export const ST_VALUE_LF = 18
export const ST_SECTION_LF = 19
/** The last state whose bytes belong to a head or trailer section. */
export const ST_LAST_SECTION = 19
// Bodies.
export const ST_BODY_CL = 20
export const ST_BODY_EOF = 21
export const ST_CHUNK_SIZE_START = 22
export const ST_CHUNK_SIZE = 23
export const ST_CHUNK_SIZE_SP = 24
export const ST_CHUNK_SIZE_LF = 25
export const ST_EXT_NAME_START = 26
export const ST_EXT_NAME = 27
export const ST_EXT_VALUE_START = 28
export const ST_EXT_VALUE = 29
export const ST_EXT_QUOTED = 30
export const ST_EXT_QUOTED_ESC = 31
export const ST_EXT_QUOTED_END = 32
export const ST_CHUNK_DATA = 33
export const ST_CHUNK_DATA_CR = 34
export const ST_CHUNK_DATA_LF = 35
/** After `PRI * HTTP/2.0\r\n`: the rest of the HTTP/2 preface (RFC 9113 §3.4). */
export const ST_PRI = 36
// The stopped states come last: `state >= ST_HALTED` is the parsers' one test for all of them.
/** Stopped between messages by `halt()`, until `resume()` or `reset()`. */
export const ST_HALTED = 37
/** Stopped: the connection switched protocols. */
export const ST_UPGRADED = 38
/** Stopped: a parse error was thrown. */
export const ST_DEAD = 39

export const CR = 0x0d
export const LF = 0x0a
export const SP = 0x20
export const HTAB = 0x09
export const COLON = 0x3a
export const SEMI = 0x3b
export const EQUALS = 0x3d
export const DQUOTE = 0x22
export const BACKSLASH = 0x5c

// Header kinds the framing looks at (RFC 9112 §6, §9.3; RFC 9110 §7.8, §10.1.1).
export const K_OTHER = 0
export const K_CONTENT_LENGTH = 1
export const K_TRANSFER_ENCODING = 2
export const K_CONNECTION = 3
export const K_UPGRADE = 4
export const K_EXPECT = 5

/** The largest Content-Length / chunk size accepted: what a JS number holds exactly. */
export const MAX_LENGTH = Number.MAX_SAFE_INTEGER
/** llhttp's overflow bound (uint64): past it the error is reported on the digit itself. */
export const U64_MAX = 18446744073709551615
