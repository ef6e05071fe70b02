import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runCli } from './cli-helpers.js'

test('portico --help lists every command and exits 0', async () => {
  const r = await runCli(['--help'])
  assert.equal(r.code, 0)
  for (const command of ['serve', 'chat', 'get', 'demo']) assert.match(r.stdout, new RegExp(`\\b${command}\\b`))
})

test('portico with no command prints the help and exits 2', async () => {
  const r = await runCli([])
  assert.equal(r.code, 2)
  assert.match(r.stdout, /Usage: portico <command>/)
})

test('an unknown command exits 2 with one clear line', async () => {
  const r = await runCli(['fly'])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /unknown command 'fly'/)
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/)
})

test('--version prints the package version', async () => {
  const r = await runCli(['--version'])
  assert.equal(r.code, 0)
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+/)
})

test('every command answers --help with its own options', async () => {
  const chat = await runCli(['chat', '--help'])
  assert.equal(chat.code, 0)
  for (const flag of ['--port', '--addr', '--max-tasks', '--workers', '--redis']) assert.ok(chat.stdout.includes(flag), flag)
  const serve = await runCli(['serve', '--help'])
  assert.equal(serve.code, 0)
  for (const flag of ['--workers', '--redis']) assert.ok(serve.stdout.includes(flag), flag)
  const demo = await runCli(['demo', '--help'])
  assert.equal(demo.code, 0)
  assert.match(demo.stdout, /PORT/)
})
