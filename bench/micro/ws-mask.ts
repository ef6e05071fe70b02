/**
 * Masking throughput (RFC 6455 §5.3): Portico's word-at-a-time `applyMask` against a plain
 * byte loop and `ws`'s own masking function, on payloads of 32 B, 1 KiB, 64 KiB and 1 MiB.
 * Run: `tsc -p tsconfig.json && node build/bench/micro/ws-mask.js`.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { applyMask } from '../../src/websocket/mask.js'

type MaskFn = (source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number) => void
const require = createRequire(import.meta.url)
// ws does not export its masking helper; load its file by path (ws's JS fallback, no bufferutil).
const wsMask = (require(join(dirname(require.resolve('ws')), 'lib', 'buffer-util.js')) as { mask: MaskFn }).mask

function byteLoop(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void {
  for (let i = 0; i < length; i++) output[offset + i] = source[i] ^ mask[i & 3]
}

const mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d])
const candidates: Array<[string, MaskFn]> = [['portico applyMask', applyMask], ['byte loop', byteLoop], ['ws buffer-util mask', wsMask]]
for (const size of [32, 1024, 64 * 1024, 1024 * 1024]) {
  const source = Buffer.alloc(size, 0x61)
  const output = Buffer.alloc(size)
  const iterations = Math.max(20, Math.floor((256 * 1024 * 1024) / size / 4))
  const line: string[] = []
  for (const [name, fn] of candidates) {
    for (let i = 0; i < iterations / 10; i++) fn(source, mask, output, 0, size)
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) fn(source, mask, output, 0, size)
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    line.push(`${name} ${((size * iterations) / seconds / 1e9).toFixed(2)} GB/s`)
  }
  console.log(`${String(size).padStart(8)} B: ${line.join(' | ')}`)
}
