/**
 * Where `portico get` writes a body. {@link FileOutput}: `-o FILE`, opened before the request
 * is sent, written to `FILE.part` and renamed to `FILE` once complete, so an interrupted or
 * failed download never replaces `FILE`; {@link StreamOutput}: stdout, which stops quietly when
 * the reader goes away (`| head`).
 * @module
 */
import { lstat, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * A local file that cannot be read or written: one line on stderr, exit status 2.
 *
 * @example
 * ```ts
 * throw new LocalFileError('cannot write out/page.html: no such directory out')
 * ```
 */
export class LocalFileError extends Error {}

/**
 * Thrown by {@link StreamOutput.write} when the reader of stdout went away (EPIPE): the
 * download stops quietly, exit status 0.
 *
 * @example
 * ```ts
 * if (err instanceof OutputClosed) return 0
 * ```
 */
export class OutputClosed extends Error {}

/**
 * What went wrong with `path`, in words (`no space left on device`); `reading`: the error came
 * from reading it (a missing file rather than a missing directory).
 *
 * @example
 * ```ts
 * describeFileError(Object.assign(new Error('x'), { code: 'ENOSPC' }), 'out.bin') // 'no space left on device'
 * ```
 */
export function describeFileError(err: unknown, path: string, reading = false): string {
  const e = err as NodeJS.ErrnoException
  switch (e.code) {
    case 'ENOENT': return reading ? 'no such file' : `no such directory ${dirname(path)}`
    case 'ENOTDIR': return `${dirname(path)} is not a directory`
    case 'EISDIR': return 'it is a directory'
    case 'EACCES': case 'EPERM': return 'permission denied'
    case 'ENOSPC': return 'no space left on device'
    case 'EDQUOT': return 'disk quota exceeded'
    case 'EROFS': return 'read-only file system'
    case 'EFBIG': return 'file too large'
    default: return e.message ?? String(err)
  }
}

/** Writes all of `chunk` at the end of the file (a write may take only part of it). */
async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let done = 0
  while (done < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, null)
    done += bytesWritten
  }
}

/** The size of `path` when it is a regular file, else 0. */
async function regularSize(path: string): Promise<number> {
  const s = await stat(path).catch(() => undefined)
  return s !== undefined && s.isFile() ? s.size : 0
}

/**
 * The output of `-o FILE`. Rules (docs/cli.md):
 * - the body goes to `FILE.part`, renamed to `FILE` by {@link finish}; {@link abandon} leaves
 *   `FILE` as it was (and `FILE.part` with what arrived, for `-C`);
 * - with resume, the download continues `FILE.part` when it holds bytes, else `FILE` itself
 *   (a partial made by another tool), appended in place;
 * - a `FILE` that is not a plain file (`/dev/null`, a FIFO, a symbolic link) is written in place.
 *
 * @example
 * ```ts
 * const out = await FileOutput.open('page.html', false) // fails here when it cannot be written
 * await out.restart(); await out.write(chunk); await out.finish()
 * ```
 */
export class FileOutput {
  /** Bytes already in the file the download continues (0 unless resuming). */
  readonly offset: number
  private handle: FileHandle | null
  private path: string
  private created: boolean
  private written = 0
  private done = false

  private constructor(readonly file: string, path: string, handle: FileHandle, created: boolean, offset: number, private readonly inPlace: boolean) {
    this.path = path
    this.handle = handle
    this.created = created
    this.offset = offset
  }

  /** Opens the output of `-o file` (resuming or not); throws a {@link LocalFileError}. */
  static async open(file: string, resume: boolean): Promise<FileOutput> {
    const link = await lstat(file).catch(() => undefined)
    if (link?.isDirectory() === true) throw new LocalFileError(`cannot write ${file}: it is a directory`)
    if (link !== undefined && !link.isFile()) {
      // A device, FIFO or link: written in place, as a shell redirection would.
      const handle = await FileOutput.openHandle(file, file, 'a')
      const size = resume ? await regularSize(file) : 0
      return new FileOutput(file, file, handle, false, size, true)
    }
    const part = `${file}.part`
    const partSize = resume ? await regularSize(part) : 0
    if (resume && partSize === 0 && link !== undefined && link.size > 0) {
      const handle = await FileOutput.openHandle(file, file, 'a')
      return new FileOutput(file, file, handle, false, link.size, false)
    }
    const existed = (await lstat(part).catch(() => undefined)) !== undefined
    const handle = await FileOutput.openHandle(file, part, 'a')
    return new FileOutput(file, part, handle, !existed, partSize, false)
  }

  private static async openHandle(file: string, path: string, flags: string): Promise<FileHandle> {
    try {
      return await open(path, flags)
    } catch (err) {
      throw new LocalFileError(`cannot write ${file}: ${describeFileError(err, file)}`)
    }
  }

  /** The server sends the whole body: start over (in `FILE.part` when resuming `FILE` in place). */
  async restart(): Promise<void> {
    if (this.path === this.file && !this.inPlace) {
      // Resuming FILE itself, but the server sends it all: FILE stays until the new one is whole.
      await this.handle?.close()
      this.handle = null
      const part = `${this.file}.part`
      this.created = (await lstat(part).catch(() => undefined)) === undefined
      this.path = part
      this.handle = await FileOutput.openHandle(this.file, part, 'w')
      return
    }
    try {
      await this.handle?.truncate(0)
    } catch (err) {
      if (!this.inPlace) throw new LocalFileError(`cannot write ${this.file}: ${describeFileError(err, this.file)}`)
      // a device or FIFO cannot be truncated, and need not be
    }
  }

  /** Appends a chunk; throws a {@link LocalFileError}. */
  async write(chunk: Buffer): Promise<void> {
    if (this.handle === null) throw new LocalFileError(`cannot write ${this.file}: closed`)
    try {
      await writeAll(this.handle, chunk)
    } catch (err) {
      throw new LocalFileError(`cannot write ${this.file}: ${describeFileError(err, this.file)}`)
    }
    this.written += chunk.length
  }

  /** The download is complete: closes and renames `FILE.part` to `FILE`. */
  async finish(): Promise<void> {
    const handle = this.handle
    this.handle = null
    this.done = true
    try {
      await handle?.close()
      if (this.path !== this.file) await rename(this.path, this.file)
    } catch (err) {
      throw new LocalFileError(`cannot write ${this.file}: ${describeFileError(err, this.file)}`)
    }
  }

  /**
   * The download failed or was refused: closes, leaves `FILE` as it was, removes a `FILE.part`
   * this run created and left empty. Resolves the path holding a partial download, if any.
   * Does nothing after {@link finish} or a first call.
   */
  async abandon(): Promise<string | undefined> {
    if (this.done) return undefined
    this.done = true
    const handle = this.handle
    this.handle = null
    await handle?.close().catch(() => undefined)
    if (this.path === this.file) return !this.inPlace && this.offset + this.written > 0 ? this.file : undefined
    if (this.offset + this.written > 0) return this.path
    if (this.created) await unlink(this.path).catch(() => undefined)
    return undefined
  }
}

/**
 * stdout (or any writable stream) as an output: each write waits until the stream took it, so a
 * slow reader slows the download; a reader that went away (EPIPE) ends it with
 * {@link OutputClosed}.
 *
 * @example
 * ```ts
 * const out = new StreamOutput(process.stdout)
 * await out.write(chunk)
 * ```
 */
export class StreamOutput {
  private failure: Error | null = null

  constructor(private readonly stream: NodeJS.WritableStream) {
    // Kept for the life of the process: a late EPIPE must not become an uncaught 'error'.
    stream.on('error', (err: Error) => {
      this.failure ??= err
    })
  }

  /** Writes a chunk; throws {@link OutputClosed} (EPIPE) or a {@link LocalFileError}. */
  async write(chunk: Buffer): Promise<void> {
    this.check()
    await new Promise<void>((resolve) => {
      this.stream.write(chunk, (err) => {
        if (err !== undefined && err !== null) this.failure ??= err
        resolve()
      })
    })
    this.check()
  }

  private check(): void {
    const err = this.failure
    if (err === null) return
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') throw new OutputClosed('stdout closed')
    throw new LocalFileError(`cannot write to stdout: ${describeFileError(err, '.')}`)
  }
}
