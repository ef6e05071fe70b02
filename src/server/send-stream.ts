/**
 * `res.send(stream)`: pipes a `Readable` or any async iterable into the response once it is
 * the oldest pending one on its connection, waiting for the socket to drain between chunks.
 * @module
 */
import type { PorticoResponse } from './response.js'

/**
 * A body given as a stream: a Node `Readable` or any async iterable of chunks.
 *
 * @example
 * ```ts
 * res.send(fs.createReadStream(path)); res.send((async function* () { yield 'a' })())
 * ```
 */
export type BodySource = AsyncIterable<string | Uint8Array> & { destroy?: (error?: Error) => void }

/**
 * Sends `source` as the body of `res` with backpressure; settles when all is sent (or the
 * client left).
 *
 * @example
 * ```ts
 * await pipeBody(res, fs.createReadStream(file))
 * ```
 */
export async function pipeBody(res: PorticoResponse, source: BodySource): Promise<void> {
  await res.sink.whenCurrent(res)
  if (res.finished) {
    source.destroy?.()
    return
  }
  const out = res.openStream()
  if (res.req.method === 'HEAD') {
    source.destroy?.()
    out.end()
    return
  }
  try {
    for await (const chunk of source) {
      if (out.closed) break
      if (!out.write(chunk)) {
        await new Promise<void>((resolve) => {
          out.onDrain(resolve)
          out.onClose(resolve)
        })
      }
    }
  } catch (err) {
    out.destroy()
    throw err
  } finally {
    if (out.closed) source.destroy?.()
  }
  out.end()
}
