/**
 * SSE hot paths, per CPU second: encoding an event (one line, multi-line, JSON) and parsing an
 * event stream on the client side (whole buffer, and 1 KiB pieces).
 * Run: `npx tsc -p tsconfig.json && node build/bench/micro/sse.js` (BENCH_TIME seconds per case, default 0.5).
 */
import { encodeEvent } from '../../src/sse/event-encoder.js'
import { SseStreamParser } from '../../src/sse/stream-parser.js'

const TIME = Number(process.env.BENCH_TIME ?? 0.5)

function measure(name: string, unit: string, perOp: number, fn: () => void): void {
  const t0 = process.cpuUsage()
  let ops = 0
  let spent = 0
  while (spent < TIME * 1e6) {
    for (let i = 0; i < 100; i++) fn()
    ops += 100
    const d = process.cpuUsage(t0)
    spent = d.user + d.system
  }
  const rate = (ops * perOp) / (spent / 1e6)
  console.log(`  ${name.padEnd(36)} ${Math.round(rate).toLocaleString('en').padStart(14)} ${unit}/s`)
}

const line = 'x'.repeat(100)
const multi = 'first line of text\nsecond line of text\r\nthird line\rfourth line'
const json = { user: 'ada', text: 'hello there', at: 1732233600000, tags: ['a', 'b'] }

console.log('SSE encode')
measure('one-line 100-byte event', 'events', 1, () => encodeEvent({ data: line }))
measure('named event with id', 'events', 1, () => encodeEvent({ event: 'chat', id: '12345', data: line }))
measure('multi-line event', 'events', 1, () => encodeEvent({ data: multi }))
measure('JSON event', 'events', 1, () => encodeEvent({ event: 'msg', data: json }))

const streamText = Array.from({ length: 1000 }, (_, i) => `event: tick\nid: ${i}\ndata: ${line}\n\n`).join('')
const stream = Buffer.from(streamText)
const pieces: Buffer[] = []
for (let at = 0; at < stream.length; at += 1024) pieces.push(stream.subarray(at, at + 1024))
let seen = 0
const parser = new SseStreamParser({ onEvent: () => seen++ })

console.log('SSE parse (1000-event stream)')
measure('whole buffer', 'events', 1000, () => parser.push(stream))
measure('1 KiB pieces', 'events', 1000, () => {
  for (const p of pieces) parser.push(p)
})
if (seen === 0) throw new Error('parser saw no events')
