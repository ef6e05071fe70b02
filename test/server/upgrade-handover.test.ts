import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import { eventually, sleep, started } from './helpers.js'

const UPGRADE = 'GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n'
const SWITCHING = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n'

/** Upgrades, then resets the client side; resolves with the server's upgraded socket. */
async function upgradedThenReset(onSocket: (socket: Duplex) => void = () => {}): Promise<{ socket: Duplex; stop: () => Promise<void> }> {
  let handed: Duplex | undefined
  const s = await started((s) => s.get('/up', (_req, res) => {
    handed = res.upgrade(SWITCHING).socket
    onSocket(handed)
  }))
  const c = net.connect(s.getPort(), '127.0.0.1')
  c.on('error', () => {})
  await new Promise<void>((resolve) => c.once('connect', resolve))
  c.write(UPGRADE)
  await new Promise<void>((resolve) => c.once('data', () => resolve()))
  await eventually(() => handed !== undefined)
  c.resetAndDestroy()
  return { socket: handed as Duplex, stop: () => s.stop() }
}

/** Writes to `socket` until the reset shows (the write fails), at most for `ms`. */
async function writeUntilGone(socket: Duplex, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!socket.destroyed && Date.now() < deadline) {
    socket.write('tick\n')
    await sleep(10)
  }
}

describe('an upgraded socket handed over with no error listener of its own', () => {
  it('survives a peer reset: the error destroys the socket instead of crashing the process', async () => {
    const uncaught: unknown[] = []
    const onUncaught = (err: unknown): void => {
      uncaught.push(err)
    }
    process.on('uncaughtException', onUncaught)
    try {
      const { socket, stop } = await upgradedThenReset()
      assert.equal(socket.listenerCount('error'), 1, 'a guard listens for errors')
      await writeUntilGone(socket)
      assert.equal(socket.destroyed, true)
      await sleep(20)
      assert.deepEqual(uncaught, [])
      await stop()
    } finally {
      process.removeListener('uncaughtException', onUncaught)
    }
  })

  it('leaves errors to the owner once it listens for them', async () => {
    const errors: Error[] = []
    const { socket, stop } = await upgradedThenReset((socket) => socket.on('error', (e: Error) => errors.push(e)))
    assert.equal(socket.listenerCount('error'), 1, 'only the owner listens')
    await writeUntilGone(socket)
    await eventually(() => errors.length > 0)
    assert.match(String((errors[0] as NodeJS.ErrnoException).code), /ECONNRESET|EPIPE/)
    await stop()
  })
})
