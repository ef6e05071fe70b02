/**
 * One exchange on a {@link ClientConnection}: writes the request (bytes or a streamed body),
 * resolves with a {@link ClientResponse} when the head arrives, then feeds the body (decoded
 * when asked) with backpressure on the socket.
 * @module
 */
import { PorticoError } from '../errors.js'
import { encodeChunk, lastChunk } from '../http1/chunked-encoder.js'
import { ClientResponse } from './client-response.js'
import type { ClientConnection, ResponseHandler } from './connection.js'
import { canDecode, createDecoder, type Decoder } from './decompress.js'
import type { PreparedBody } from './request-body.js'
import { ResponseBody } from './response-body.js'

/** What {@link runExchange} sends and how it reads the answer. */
export interface ExchangeSpec {
  /** The whole request head (latin1). */
  head: string
  body: PreparedBody
  /** Frame a streamed body with chunked coding (no Content-Length was given). */
  chunked: boolean
  /** The response has no body (HEAD). */
  skipBody: boolean
  /** Decode gzip/deflate/br bodies. */
  decompress: boolean
  signal: AbortSignal | undefined
  /** Reported as `response.url`. */
  url: string
  redirected: boolean
}

const retryable = new WeakSet<Error>()

/**
 * Whether an exchange failed on a reused keep-alive connection before any byte of the response
 * arrived: the server never saw the request (or dropped it), so an idempotent request may be
 * sent again on a fresh connection.
 *
 * @example
 * ```ts
 * try { await runExchange(conn, spec) } catch (err) { if (isRetryable(err)) retry() }
 * ```
 */
export function isRetryable(err: unknown): boolean {
  return err instanceof Error && retryable.has(err)
}

/**
 * Runs one exchange on `conn`. Resolves at the response head; body errors go to the body.
 *
 * @example
 * ```ts
 * const res = await runExchange(conn, { head, body: { kind: 'none' }, chunked: false, skipBody: false,
 *   decompress: true, signal: undefined, url: 'http://x/', redirected: false })
 * ```
 */
export function runExchange(conn: ClientConnection, spec: ExchangeSpec): Promise<ClientResponse> {
  return new Promise<ClientResponse>((resolve, reject) => {
    const signal = spec.signal
    let body: ResponseBody | null = null
    let decoder: Decoder | null = null
    let onAbort: (() => void) | null = null
    const socket = conn.socket
    const cleanup = (): void => {
      if (onAbort !== null) signal?.removeEventListener('abort', onAbort)
      if (body !== null) {
        body.onPause = null
        body.onResume = null
        body.onCancel = null
      }
      if (socket.isPaused()) socket.resume()
    }
    const handler: ResponseHandler = {
      onHead(head) {
        const b = new ResponseBody()
        body = b
        b.onPause = () => socket.pause()
        b.onResume = () => socket.resume()
        b.onCancel = () => conn.destroy()
        if (spec.decompress && !spec.skipBody) {
          const coding = head.get('content-encoding')
          if (coding !== undefined && canDecode(coding)) {
            decoder = createDecoder(coding, b)
            decoder.onDrain = () => socket.resume()
          }
        }
        resolve(new ClientResponse(head, b, spec.url, spec.redirected))
      },
      onData(chunk) {
        if (decoder !== null) {
          if (!decoder.write(chunk)) socket.pause()
        } else {
          (body as ResponseBody).push(chunk)
        }
      },
      onEnd() {
        cleanup()
        if (decoder !== null) decoder.end()
        else (body as ResponseBody).end()
      },
      onError(err, info) {
        cleanup()
        if (body === null) {
          if (info.reused && !info.responseStarted && spec.body.kind !== 'stream') retryable.add(err)
          reject(err)
        } else {
          decoder?.destroy()
          body.fail(err)
        }
      },
    }
    if (signal !== undefined) {
      if (signal.aborted) {
        reject(new PorticoError('PORTICO_ERR_REQUEST_ABORTED', undefined, { cause: signal.reason }))
        return
      }
      onAbort = () => conn.destroy(new PorticoError('PORTICO_ERR_REQUEST_ABORTED', undefined, { cause: signal.reason }))
      signal.addEventListener('abort', onAbort, { once: true })
    }
    try {
      if (spec.body.kind === 'stream') {
        conn.dispatchStreaming(spec.head, handler, spec.skipBody)
        void pumpBody(conn, spec.body.source, spec.chunked)
      } else {
        conn.dispatch(spec.head, spec.body.kind === 'bytes' ? spec.body.data : null, handler, spec.skipBody)
      }
    } catch (err) {
      cleanup()
      reject(err)
    }
  })
}

async function pumpBody(conn: ClientConnection, source: AsyncIterable<Uint8Array | string>, chunked: boolean): Promise<void> {
  try {
    for await (const piece of source) {
      if (conn.closed) return
      const data = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
      if (data.length === 0) continue
      const wait = conn.writeBody(chunked ? encodeChunk(data) : data)
      if (wait !== undefined) await wait
    }
    if (chunked && !conn.closed) conn.writeBody(lastChunk())
    conn.endBody()
  } catch (err) {
    conn.destroy(err instanceof Error ? err : new Error(String(err)))
  }
}
