import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { Agent, request } from '../../src/client/index.js'
import { isPorticoError } from '../../src/errors.js'
import { rawServer, type Running } from './helpers.js'
import type { Server } from 'node:net'

interface LlhttpMessage {
  complete: boolean
  headers_complete: boolean
  status?: number
  protocol?: string
  body_base64: string
  upgrade?: boolean
}
interface LlhttpCase {
  file: string
  line: number
  name: string
  skip_body: boolean
  raw_base64: string
  expect: { error: unknown; paused: unknown; messages: LlhttpMessage[] }
}

const cases = JSON.parse(
  readFileSync(new URL('../../../../shared/conformance/llhttp/llhttp-responses.json', import.meta.url), 'utf8'),
) as LlhttpCase[]

describe('responses from the llhttp corpus, served by a raw server', () => {
  let server: Running<Server>
  let current = Buffer.alloc(0)
  let agent: Agent
  before(async () => {
    server = await rawServer((socket: Socket) => {
      socket.on('error', () => {})
      socket.once('data', () => socket.end(current))
    })
    agent = new Agent()
  })
  after(async () => {
    agent.destroy()
    await server.close()
  })

  const usable = (c: LlhttpCase): boolean => {
    const first = c.expect.messages[0]
    return first !== undefined && (first.protocol ?? 'HTTP') === 'HTTP' && c.expect.paused === null && first.upgrade !== true
  }

  for (const c of cases.filter((x) => x.expect.error !== null && usable(x) && !x.expect.messages.some((m) => m.complete))) {
    it(`fails on ${c.file}:${c.line} "${c.name}"`, async () => {
      current = Buffer.from(c.raw_base64, 'base64')
      await assert.rejects(async () => {
        const res = await request(server.url, { agent, method: c.skip_body ? 'HEAD' : 'GET' })
        await res.bytes()
      }, (e: unknown) => isPorticoError(e))
    })
  }

  // The client skips 1xx interim responses: compare with the first final one.
  const final = (c: LlhttpCase): LlhttpMessage | undefined => c.expect.messages.find((m) => (m.status ?? 0) >= 200)
  for (const c of cases.filter((x) => x.expect.error === null && usable(x) && final(x)?.complete === true)) {
    it(`reads ${c.file}:${c.line} "${c.name}"`, async () => {
      current = Buffer.from(c.raw_base64, 'base64')
      const first = final(c) as LlhttpMessage
      const res = await request(server.url, { agent, method: c.skip_body ? 'HEAD' : 'GET', decompress: false })
      assert.equal(res.status, first.status)
      assert.equal((await res.bytes()).toString('base64'), first.body_base64)
    })
  }
})

describe('truncated responses', () => {
  const truncated: [string, string][] = [
    ['a head cut in the middle', 'HTTP/1.1 200 OK\r\nContent-Len'],
    ['a Content-Length body cut short', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'],
    ['a chunked body without its last chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'],
    ['a chunk cut in the middle', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nhel'],
    ['nothing at all', ''],
  ]
  for (const [what, bytes] of truncated) {
    it(`fails with a Portico error on ${what}`, async () => {
      const server = await rawServer((socket) => {
        socket.on('error', () => {})
        socket.once('data', () => socket.end(bytes))
      })
      const agent = new Agent()
      await assert.rejects(async () => {
        const res = await request(server.url, { agent })
        await res.bytes()
      }, (e: unknown) => isPorticoError(e))
      agent.destroy()
      await server.close()
    })
  }

  it('completes a body delimited by the close of the connection', async () => {
    const server = await rawServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close'))
    })
    const agent = new Agent()
    const res = await request(server.url, { agent })
    assert.equal(await res.text(), 'until close')
    agent.destroy()
    await server.close()
  })
})
