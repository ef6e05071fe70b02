import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { Child } from '../fixtures/child.js'

const app = fileURLToPath(new URL('./fixtures/cluster-hub-app.js', import.meta.url))

describe('clusterHub', () => {
  it('carries a binary message from one worker to every other worker and the primary, once each', async () => {
    const child = Child.start(app)
    await child.line((l) => l.done === true)
    assert.equal(await child.exit(), 0)
    const got = child.lines.filter((l) => l.got !== undefined)
    const byWho = new Map<unknown, number>()
    for (const l of got) byWho.set(l.who, (byWho.get(l.who) ?? 0) + 1)
    assert.deepEqual([...byWho.entries()].sort(), [[1, 1], [2, 1], [3, 1], ['primary', 1]])
    for (const l of got) {
      assert.deepEqual(l.got, [0, 1, 2, 255])
      assert.equal(l.id, '7')
    }
    assert.equal(got.find((l) => l.who === 1)?.own, true)
    assert.ok(got.filter((l) => l.who !== 'primary' && l.who !== 1).every((l) => l.own === false && l.binary === true))
    assert.equal(child.lines.some((l) => l.wrongTopic === true), false)
  })
})
