/**
 * A small cache of small files for `serveStatic`: the contents of files up to 64 KiB, kept
 * while the file is unchanged. Every hit is checked against a fresh `stat` of the path
 * (device, inode, size, mtime, ctime), so an edited, replaced or re-linked file is never
 * served stale; the cache only saves the open/read/close and the `realpath` of the first visit.
 * @module
 */
import type { Stats } from 'node:fs'

/** A cached file: its identity at the time it was read, its type and its bytes. */
export interface CachedFile {
  readonly dev: number
  readonly ino: number
  readonly size: number
  readonly mtimeMs: number
  readonly ctimeMs: number
  readonly contentType: string
  readonly body: Buffer
}

/** Limits of a {@link FileCache}. */
export interface FileCacheOptions {
  /** Total bytes of file contents held (default 16 MiB). */
  readonly maxBytes?: number
  /** Largest file cached (default 64 KiB). */
  readonly maxFileSize?: number
}

/**
 * Path → contents, validated by `stat` on every hit, oldest entries evicted first.
 *
 * @example
 * ```ts
 * const cache = new FileCache({ maxBytes: 4 << 20 })
 * const hit = cache.get(path, await stat(path))
 * ```
 */
export class FileCache {
  private readonly entries = new Map<string, CachedFile>()
  private bytes = 0
  private readonly maxBytes: number
  readonly maxFileSize: number

  constructor(options: FileCacheOptions = {}) {
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024
    this.maxFileSize = options.maxFileSize ?? 64 * 1024
  }

  /** The entry for `key` if `stat` shows the very same, unchanged file; drops a stale one. */
  get(key: string, stat: Stats): CachedFile | undefined {
    const e = this.entries.get(key)
    if (e === undefined) return undefined
    if (e.ino === stat.ino && e.dev === stat.dev && e.size === stat.size && e.mtimeMs === stat.mtimeMs && e.ctimeMs === stat.ctimeMs) return e
    this.delete(key)
    return undefined
  }

  /** Stores a file read whole (ignored past the size limits). */
  set(key: string, stat: Stats, contentType: string, body: Buffer): void {
    if (body.length > this.maxFileSize || body.length > this.maxBytes || body.length !== stat.size) return
    this.delete(key)
    while (this.bytes + body.length > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string
      this.delete(oldest)
    }
    this.entries.set(key, { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, contentType, body })
    this.bytes += body.length
  }

  /** The number of files held. */
  get size(): number {
    return this.entries.size
  }

  private delete(key: string): void {
    const e = this.entries.get(key)
    if (e === undefined) return
    this.entries.delete(key)
    this.bytes -= e.body.length
  }
}
