/**
 * The progress bar of `portico get`: percent, bytes, rate and ETA when the size is known;
 * bytes and rate when it is not. Drawn on one terminal line, at most ten times a second.
 * @module
 */

/** Where the bar is drawn (a TTY stream). */
export interface ProgressOutput {
  write(text: string): unknown
  columns?: number
}

/**
 * A one-line progress bar.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar(process.stderr, 1_000_000, 0)
 * bar.update(250_000); bar.finish()
 * ```
 */
export class ProgressBar {
  private readonly out: ProgressOutput
  private readonly total: number
  private readonly start: number
  private readonly startedAt = Date.now()
  private received = 0
  private lastDraw = 0

  /** `total` is the expected byte count (−1 when unknown); `offset` bytes were already there (resume). */
  constructor(out: ProgressOutput, total: number, offset = 0) {
    this.out = out
    this.total = total
    this.start = offset
    this.received = offset
  }

  /** Records the bytes received so far (including the offset) and redraws if due. */
  update(received: number): void {
    this.received = received
    const now = Date.now()
    if (now - this.lastDraw >= 100) {
      this.lastDraw = now
      this.draw(now)
    }
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    this.draw(Date.now())
    this.out.write('\n')
  }

  private draw(now: number): void {
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001)
    const rate = (this.received - this.start) / seconds
    let line: string
    if (this.total > 0) {
      const ratio = Math.min(this.received / this.total, 1)
      const width = 24
      const filled = Math.round(ratio * width)
      const eta = rate > 0 ? (this.total - this.received) / rate : Infinity
      line = `${String(Math.floor(ratio * 100)).padStart(3)}% [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] `
        + `${formatBytes(this.received)} / ${formatBytes(this.total)}  ${formatBytes(rate)}/s  ETA ${formatDuration(eta)}`
    } else {
      line = `${formatBytes(this.received)}  ${formatBytes(rate)}/s`
    }
    // `||`: a pty can report 0 columns.
    const columns = this.out.columns || 80
    this.out.write('\r' + line.slice(0, columns - 1).padEnd(Math.min(columns - 1, 79)))
  }
}

/**
 * Bytes in a human unit (`1.5 MiB`).
 *
 * @example
 * ```ts
 * formatBytes(1536) // '1.5 KiB'
 * ```
 */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let i = 0
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024
    i++
  }
  return i === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[i]}`
}

/**
 * Seconds as `1h02m`, `3m05s` or `42s` (`--` when unknown).
 *
 * @example
 * ```ts
 * formatDuration(185) // '3m05s'
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--'
  const s = Math.max(0, Math.round(seconds))
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${s}s`
}
