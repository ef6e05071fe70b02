/**
 * Byte classes of the HTTP grammar as lookup tables (one array read per byte on the hot path).
 * @module
 */

/**
 * `tchar` (RFC 9110 §5.6.2): the bytes of a token (method, header name, transfer coding).
 *
 * @example
 * ```ts
 * TOKEN[0x41] === 1 // 'A'
 * ```
 */
export const TOKEN: Uint8Array = new Uint8Array(256)
for (let c = 0; c < 128; c++) {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) TOKEN[c] = 1
}
for (const ch of "!#$%&'*+-.^_`|~") TOKEN[ch.charCodeAt(0)] = 1

/**
 * `field-vchar` plus SP and HTAB (RFC 9110 §5.5): the bytes allowed inside a field value
 * (obs-text, 0x80–0xFF, included).
 *
 * @example
 * ```ts
 * FIELD_VALUE[0x7f] === 0 // DEL is refused
 * ```
 */
export const FIELD_VALUE: Uint8Array = new Uint8Array(256)
FIELD_VALUE[0x09] = 1
for (let c = 0x20; c < 256; c++) if (c !== 0x7f) FIELD_VALUE[c] = 1

/**
 * The bytes of a request-target as received (RFC 9112 §3.2, RFC 3986 §2): visible ASCII only
 * (the URI grammar itself is checked by the router); SP ends the target, and non-ASCII bytes
 * are refused as llhttp refuses them.
 *
 * @example
 * ```ts
 * URL_CHAR[0x20] === 0 // SP ends the target
 * ```
 */
export const URL_CHAR: Uint8Array = new Uint8Array(256)
for (let c = 0x21; c < 0x7f; c++) URL_CHAR[c] = 1

/**
 * `qdtext` of a quoted-string (RFC 9110 §5.6.4): HTAB, SP, visible ASCII except `"` and `\`,
 * obs-text.
 *
 * @example
 * ```ts
 * QDTEXT[0x22] === 0 // '"' ends the string
 * ```
 */
export const QDTEXT: Uint8Array = new Uint8Array(256)
QDTEXT[0x09] = 1
for (let c = 0x20; c < 256; c++) if (c !== 0x7f && c !== 0x22 && c !== 0x5c) QDTEXT[c] = 1

/**
 * Hexadecimal digit values, -1 for a non-hex byte (chunk sizes, RFC 9112 §7.1).
 *
 * @example
 * ```ts
 * HEX[0x61] === 10 // 'a'
 * ```
 */
export const HEX: Int8Array = new Int8Array(256).fill(-1)
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c
  HEX[0x61 + c] = 10 + c
}

/**
 * The lower-case form of each byte (ASCII letters folded, others unchanged).
 *
 * @example
 * ```ts
 * LOWER[0x41] === 0x61 // 'A' → 'a'
 * ```
 */
export const LOWER: Uint8Array = new Uint8Array(256)
for (let c = 0; c < 256; c++) LOWER[c] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c
