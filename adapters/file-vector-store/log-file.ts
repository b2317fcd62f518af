import type { FileHandle } from 'node:fs/promises';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ThreadfinderError } from '#core/errors.ts';
import { syncDir } from '#core/fs-atomic.ts';

const REWRITE_CHUNK_BYTES = 1 << 20;

/** An append-only file written at known offsets: every append is fsynced, and rolled back when it fails. */
export class LogFile {
  private broken: unknown = null;

  private constructor(
    readonly path: string,
    private handle: FileHandle,
    private bytes: number,
  ) {}

  /** Opens an existing file for appending at `size` (the end of its valid records). */
  static async open(file: string, size: number): Promise<LogFile> {
    return new LogFile(file, await open(file, 'r+'), size);
  }

  get size(): number {
    return this.bytes;
  }

  /** Appends `text` and fsyncs it; on failure truncates back so the file never keeps half a write. */
  async append(text: string): Promise<void> {
    this.assertUsable();
    const data = Buffer.from(text, 'utf8');
    const at = this.bytes;
    try {
      await writeAll(this.handle, data, at);
      await this.handle.datasync();
    } catch (error) {
      try {
        await this.handle.truncate(at);
      } catch (truncateError) {
        this.broken = truncateError;
      }
      throw new ThreadfinderError(`cannot append to ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.bytes = at + data.length;
  }

  /** Replaces the file with `lines` (temp file, fsync, rename, fsync of the folder) and appends there after. */
  async rewrite(lines: Iterable<string>): Promise<void> {
    this.assertUsable();
    const temp = `${this.path}.compact`;
    let written = 0;
    try {
      const out = await open(temp, 'w');
      try {
        let pending: string[] = [];
        let pendingBytes = 0;
        for (const line of lines) {
          pending.push(line);
          pendingBytes += line.length;
          if (pendingBytes >= REWRITE_CHUNK_BYTES) {
            written += await writeAll(out, Buffer.from(pending.join(''), 'utf8'), written);
            pending = [];
            pendingBytes = 0;
          }
        }
        written += await writeAll(out, Buffer.from(pending.join(''), 'utf8'), written);
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw new ThreadfinderError(`cannot compact ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const old = this.handle;
    try {
      await syncDir(path.dirname(this.path));
      this.handle = await open(this.path, 'r+');
    } catch (error) {
      this.broken = error;
      throw new ThreadfinderError(`compacted ${this.path} but cannot reopen it; reopen the store`, {
        cause: error,
      });
    }
    this.bytes = written;
    await old.close();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private assertUsable(): void {
    if (this.broken !== null) {
      throw new ThreadfinderError(
        `${this.path} is in an unknown state after a failed write; reopen the store`,
        {
          cause: this.broken,
        },
      );
    }
  }
}

async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
  return data.length;
}

/** Creates `file` holding `text` atomically and durably (temp file, fsync, rename, fsync of the folder). */
export async function createFile(file: string, text: string): Promise<void> {
  const temp = `${file}.new`;
  const handle = await open(temp, 'w');
  try {
    await writeAll(handle, Buffer.from(text, 'utf8'), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  await syncDir(path.dirname(file));
}
