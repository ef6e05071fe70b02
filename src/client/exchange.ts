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
import { canDecode, Decoder, decodingOrder } from './decompress.js'
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
  /** Limit of the body in bytes (see `RequestOptions.maxBodySize`). Default: none. */
  maxBodySize?: number
  /** Apply `maxBodySize` to a decoded body read with `for await` too (the caller set it). */
  limitDecodedStream?: boolean
  signal: AbortSignal | undefined
  /** Reported as `response.url`. */
  url: string
  redirected: boolean
}

const retryable = new WeakSet<Error>()

/**
 * Whether an exchange failed on a reused keep-alive connection because the connection closed
 * (reset, EOF) before any byte of the response arrived: the server never saw the request (or
 * dropped it), so an idempotent request may be sent again on a fresh connection. A timeout is
 * never retryable (the server may be working on the request).
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
 * A `101` fails the exchange (`PORTICO_ERR_UNEXPECTED_UPGRADE`) and closes the connection:
 * nothing here can take over a socket that switched protocols.
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
    // The response is over on the wire: the connection is no longer this exchange's to touch.
    let finished = false
    let bodyPaused = false
    const unlisten = (): void => {
      if (onAbort !== null) signal?.removeEventListener('abort', onAbort)
    }
    const cleanup = (): void => {
      finished = true
      unlisten()
      if (decoder === null && body !== null) {
        body.onPause = null
        body.onResume = null
        body.onCancel = null
      }
      conn.resume()
    }
    const handler: ResponseHandler = {
      onHead(head) {
        if (head.statusCode === 101) {
          const to = head.get('upgrade')
          conn.destroy(new PorticoError('PORTICO_ERR_UNEXPECTED_UPGRADE', `The server switched protocols${to === undefined ? '' : ` to ${to}`} (101); request() cannot hand over the connection`))
          return
        }
        const coding = spec.decompress && !spec.skipBody ? head.get('content-encoding') : undefined
        // `identity` alone needs no decoder.
        const codings = coding !== undefined && canDecode(coding) ? decodingOrder(coding) : []
        const b = new ResponseBody({ maxSize: spec.maxBodySize, limitStream: codings.length > 0 && spec.limitDecodedStream === true })
        const d = codings.length > 0
          ? new Decoder(codings, {
            push: (c) => b.push(c),
            end: () => b.end(),
            fail: (e) => {
              b.fail(e)
              // Undecodable: read the rest of the response (discarded) so the connection is reusable.
              bodyPaused = false
              if (!finished) conn.resume()
            },
          })
          : null
        body = b
        decoder = d
        if (d === null) {
          b.onPause = () => conn.pause()
          b.onResume = () => conn.resume()
          b.onCancel = () => conn.destroy()
        } else {
          // Pause the decoder's output; the socket stops when the decoder is full.
          b.onPause = () => {
            bodyPaused = true
            d.pause()
          }
          b.onResume = () => {
            bodyPaused = false
            d.resume()
          }
          b.onCancel = () => {
            d.destroy()
            if (!finished) conn.destroy()
          }
          d.onDrain = () => {
            if (!finished && !bodyPaused) conn.resume()
          }
        }
        resolve(new ClientResponse(head, b, spec.url, spec.redirected))
      },
      onData(chunk) {
        if (decoder !== null) {
          if (!decoder.write(chunk)) conn.pause()
        } else {
          (body as ResponseBody).push(chunk)
        }
      },
      onEnd(trailers) {
        cleanup()
        if (trailers !== undefined && body !== null) body.rawTrailers = trailers
        if (decoder !== null) decoder.end()
        else (body as ResponseBody).end()
      },
      onError(err, info) {
        cleanup()
        if (body === null) {
          if (info.reused && !info.responseStarted && spec.body.kind !== 'stream' && isConnectionLoss(err)) retryable.add(err)
          reject(err)
        } else {
          decoder?.destroy()
          body.fail(err)
        }
      },
    }
    if (signal !== undefined) {
      if (signal.aborted) {
        // Nothing was sent: the connection goes back to its pool unused.
        conn.release()
        reject(new PorticoError('PORTICO_ERR_REQUEST_ABORTED', undefined, { cause: signal.reason }))
        return
      }
      onAbort = () => conn.destroy(new PorticoError('PORTICO_ERR_REQUEST_ABORTED', undefined, { cause: signal.reason }))
      signal.addEventListener('abort', onAbort, { once: true })
    }
    if (conn.closed) {
      // Closed between hand-out and use: nothing was sent, so trying another connection is safe.
      const err = new PorticoError('PORTICO_ERR_CONNECTION_CLOSED', 'The connection closed before the request was sent')
      if (spec.body.kind !== 'stream') retryable.add(err)
      unlisten()
      reject(err)
      return
    }
    try {
      if (spec.body.kind === 'stream') {
        conn.dispatchStreaming(spec.head, handler, spec.skipBody)
        void pumpBody(conn, spec.body.source, spec.chunked)
      } else {
        conn.dispatch(spec.head, spec.body.kind === 'bytes' ? spec.body.data : null, handler, spec.skipBody)
      }
    } catch (err) {
      unlisten()
      reject(err)
    }
  })
}

/** Only a connection that closed or reset may have dropped the request unseen; not a timeout. */
function isConnectionLoss(err: Error): boolean {
  return err instanceof PorticoError && err.code === 'PORTICO_ERR_CONNECTION_CLOSED'
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
