import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { BodyReader } from '../../src/server/body-reader.js'
import type { PorticoRequest } from '../../src/server/request.js'
import { RawClient, eventually, started } from './helpers.js'

const SIZE = 1024 * 1024

/** The body bytes: a pattern that shows any piece out of place. */
function content(size: number): Buffer {
  const b = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) b[i] = (i * 7 + (i >> 8)) & 0xff
  return b
}

/** `body` chunked on the wire in 1-byte chunks, but for one 5000-byte chunk at `big`. */
function tinyChunks(body: Buffer, big: number): Buffer {
  const out = Buffer.allocUnsafe(body.length * 6 + 5000 + 16)
  let p = 0
  for (let i = 0; i < body.length; i++) {
    if (i === big) {
      p += out.write('1388\r\n', p, 'latin1')
      body.copy(out, p, i, i + 5000)
      p += 5000
      p += out.write('\r\n', p, 'latin1')
      i += 4999
      continue
    }
    out[p++] = 0x31
    out[p++] = 0x0d
    out[p++] = 0x0a
    out[p++] = body[i]
    out[p++] = 0x0d
    out[p++] = 0x0a
  }
  p += out.write('0\r\n\r\n', p, 'latin1')
  return out.subarray(0, p)
}

/** Sends `wire` after a chunked POST head; the handler gets the reader once the body is in. */
async function sendChunked(wire: Buffer, read: (req: PorticoRequest<any>, reader: BodyReader) => Promise<Buffer>): Promise<{ pieces: number; body: Buffer }> {
  let pieces = -1
  let body: Buffer = Buffer.alloc(0)
  const s = await started((s) => s.post('/', async (req) => {
    const reader = req.bodyReader as BodyReader
    await eventually(() => reader.receivedBytes === SIZE, 20_000)
    pieces = reader.heldPieces
    body = await read(req, reader)
    return 'ok'
  }), { maxRequestSize: 2 * SIZE })
  const c = await RawClient.connect(s.getPort())
  c.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n')
  c.write(wire)
  await c.until((d) => d.endsWith('\r\n\r\nok'), 30_000)
  c.close()
  await s.stop()
  return { pieces, body }
}

describe('buffered request bodies in tiny pieces', () => {
  it('copies small pieces of a buffered body together: memory stays in proportion to the body', async () => {
    const expected = content(SIZE)
    const { pieces, body } = await sendChunked(tinyChunks(expected, 300_000), (req) => req.bytes())
    // a view per piece would be over a million (each with its own object and socket buffer)
    assert.ok(pieces > 0 && pieces < 64, `${pieces} pieces held for a 1 MiB body`)
    assert.equal(body.length, SIZE)
    assert.ok(body.equals(expected), 'body bytes differ')
  })

  it('gives an iterating reader the pieces copied before it started, in order', async () => {
    const expected = content(SIZE)
    const { pieces, body } = await sendChunked(tinyChunks(expected, 700_000), async (req) => {
      const parts: Buffer[] = []
      for await (const chunk of req.body) parts.push(chunk)
      return Buffer.concat(parts)
    })
    assert.ok(pieces < 64, `${pieces} pieces`)
    assert.ok(body.equals(expected), 'body bytes differ')
  })

  it('keeps heap growth for a 1 MiB body in 1-byte chunks far below a view per byte', async () => {
    const before = process.memoryUsage()
    let during = before
    const expected = content(SIZE)
    await sendChunked(tinyChunks(expected, 0), async (req) => {
      during = process.memoryUsage()
      return req.bytes()
    })
    const growth = during.heapUsed + during.arrayBuffers - (before.heapUsed + before.arrayBuffers)
    // without copying: over 100 MiB; the wire buffer and the body itself take about 8 MiB
    assert.ok(growth < 48 * 1024 * 1024, `heap grew by ${(growth / 1048576).toFixed(1)} MiB`)
  })
})
