import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { parseChatArgs } from '../../src/cli/chat.js'
import { ChatClient, fetchText, runCli, startCli, untilJoined } from './cli-helpers.js'

test('parses the chat flags with their defaults', () => {
  const c = parseChatArgs([])
  assert.deepEqual({ port: c.port, addr: c.addr, maxTasks: c.maxTasks, workers: c.scale.workers, redis: c.scale.redis }, { port: 8080, addr: '127.0.0.1', maxTasks: 5, workers: 1, redis: undefined })
  const d = parseChatArgs(['-p', '9000', '-a', '0.0.0.0', '--max-tasks', '50', '--workers', '3', '--redis', 'redis://10.0.0.5:6379'])
  assert.deepEqual({ port: d.port, addr: d.addr, maxTasks: d.maxTasks, workers: d.scale.workers, redis: d.scale.redis }, { port: 9000, addr: '0.0.0.0', maxTasks: 50, workers: 3, redis: 'redis://10.0.0.5:6379' })
  assert.throws(() => parseChatArgs(['--workers', 'many']), /--workers needs a whole number/)
  assert.throws(() => parseChatArgs(['--redis', 'localhost']), /--redis needs a URL/)
  assert.throws(() => parseChatArgs(['--port', '70000']), /0–65535/)
})

test('chat serves the page and broadcasts every message to every WebSocket client', async () => {
  const chat = await startCli(['chat', '-p', '0'])
  try {
    const page = await fetchText(chat.url)
    assert.equal(page.status, 200)
    assert.match(page.body, /new WebSocket\(.*"\/ws"\)/)
    assert.equal((await fetchText(chat.url + 'nope')).status, 404)
    const a = await ChatClient.open(`ws://127.0.0.1:${chat.port}/ws`)
    const b = await ChatClient.open(`ws://127.0.0.1:${chat.port}/ws`)
    a.send('hello, b')
    await Promise.all([a.receive('hello, b'), b.receive('hello, b')])
    a.close()
    b.close()
  } finally {
    assert.equal(await chat.stop('SIGINT'), 0)
  }
  assert.match(chat.output(), /Stopping/)
})

test('a bad flag exits 2 with one clear line and no stack', async () => {
  const r = await runCli(['chat', '--colour', 'blue'])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /^portico chat: .*'--colour'/)
  assert.doesNotMatch(r.stderr, /\bat .*:\d+:\d+/)
})

test('a busy port exits 1 with a clear message, with or without workers', async () => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  const port = String((blocker.address() as { port: number }).port)
  try {
    for (const extra of [[], ['--workers', '2']]) {
      const r = await runCli(['chat', '-p', port, ...extra])
      assert.equal(r.code, 1, r.stderr)
      assert.equal(r.stderr.trim(), `portico chat: port ${port} on 127.0.0.1 is already in use`)
    }
  } finally {
    blocker.close()
  }
})

test('chat --workers 2 delivers a message between clients on any worker', async () => {
  const chat = await startCli(['chat', '-p', '0', '--workers', '2'])
  try {
    assert.match(chat.output(), /2 workers/)
    // Round-robin spreads the connections over the workers; six clients land on both.
    const clients = await Promise.all(Array.from({ length: 6 }, () => ChatClient.open(`ws://127.0.0.1:${chat.port}/ws`)))
    for (const c of clients.slice(1)) await untilJoined(clients[0], c)
    clients[0].send('to everyone')
    await Promise.all(clients.map((c) => c.receive('to everyone')))
    clients[5].send('and back')
    await Promise.all(clients.map((c) => c.receive('and back')))
    for (const c of clients) c.close()
    assert.equal(clients[1].messages.filter((m) => m === 'to everyone').length, 1)
  } finally {
    assert.equal(await chat.stop(), 0)
  }
})

test('with the default --max-tasks 5, a sixth client gets a warning on stderr naming --max-tasks', async () => {
  const chat = await startCli(['chat', '-p', '0'])
  const clients: ChatClient[] = []
  try {
    for (let i = 0; i < 5; i++) clients.push(await ChatClient.open(`ws://127.0.0.1:${chat.port}/ws`))
    assert.doesNotMatch(chat.output(), /--max-tasks/)
    const sixth = ChatClient.open(`ws://127.0.0.1:${chat.port}/ws`)
    sixth.catch(() => {})
    for (let i = 0; i < 100 && !chat.output().includes('--max-tasks'); i++) await new Promise((r) => setTimeout(r, 30))
    const warnings = chat.output().split('\n').filter((l) => l.includes('--max-tasks'))
    assert.equal(warnings.length, 1, chat.output())
    assert.match(warnings[0], /^portico chat: all 5 task slots are held by open chat connections; new requests wait .*raise --max-tasks/)
    // A seventh within the next seconds does not repeat the warning.
    const seventh = ChatClient.open(`ws://127.0.0.1:${chat.port}/ws`)
    seventh.catch(() => {})
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(chat.output().split('\n').filter((l) => l.includes('--max-tasks')).length, 1)
    // Once a slot frees, the waiting client gets in.
    clients.shift()?.close()
    clients.push(await sixth)
    clients.shift()?.close()
    clients.push(await seventh)
  } finally {
    for (const c of clients) c.close()
    await chat.stop('SIGKILL')
  }
})
