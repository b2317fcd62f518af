import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { assertValidBlobKey, checkBlobPath, TEMP_PREFIX } from '#core/contracts/blob-key.ts';
import { environmentFaultOf } from '#core/env-fault.ts';
import { BlobNotFoundError, InputError } from '#core/errors.ts';
import { syncDir } from '#core/fs-atomic.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** A system error as an EnvironmentFaultError naming `file` when it is one (disk full, ...), else unchanged. */
function named(error: unknown, file: string, action: string): unknown {
  return environmentFaultOf(error, { path: file, action }) ?? error;
}

/**
 * BlobStore on a local directory: one file per key, written atomically (temp file, fsync, rename). Disk full,
 * read-only, permission and open-file errors are thrown as EnvironmentFaultError naming the key's file.
 */
export class FsBlobStore implements BlobStore {
  private readonly root: string;

  constructor(rootDir: string) {
    this.root = path.resolve(rootDir);
  }

  async put(key: string, data: Uint8Array, _contentType?: string): Promise<void> {
    const file = this.fileOf(key);
    if (!(data instanceof Uint8Array)) throw new InputError(`blob ${key}: data must be a Uint8Array`);
    try {
      await this.write(key, file, data);
    } catch (error) {
      throw named(error, file, 'writing');
    }
  }

  private async write(key: string, file: string, data: Uint8Array): Promise<void> {
    const dir = path.dirname(file);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      if (errno(error) === 'ENOTDIR' || errno(error) === 'EEXIST') throw this.conflict(key, error);
      throw error;
    }
    const temp = path.join(dir, `${TEMP_PREFIX}${randomUUID()}`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(data);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      if (errno(error) === 'EISDIR' || errno(error) === 'ENOTDIR') throw this.conflict(key, error);
      throw error;
    }
    await syncDir(dir);
  }

  async get(key: string): Promise<Uint8Array> {
    const file = this.fileOf(key);
    try {
      const buffer = await readFile(file);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      const code = errno(error);
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') throw new BlobNotFoundError(key);
      throw named(error, file, 'reading');
    }
  }

  async has(key: string): Promise<boolean> {
    const file = this.fileOf(key);
    try {
      return (await stat(file)).isFile();
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return false;
      throw named(error, file, 'reading');
    }
  }

  async list(prefix: string): Promise<string[]> {
    if (typeof prefix !== 'string') throw new InputError('blob prefix must be a string');
    checkBlobPath(prefix, 'blob prefix', true);
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const keys: string[] = [];
    await this.walk(base, keys);
    return keys.filter((k) => k.startsWith(prefix)).sort(byUtf8);
  }

  async delete(key: string): Promise<void> {
    const file = this.fileOf(key);
    try {
      await rm(file);
    } catch (error) {
      const code = errno(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ERR_FS_EISDIR' || code === 'EISDIR') return;
      throw named(error, file, 'deleting');
    }
  }

  private async walk(relDir: string, into: string[]): Promise<void> {
    let entries: Dirent[];
    const dir = path.join(this.root, relDir);
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return;
      throw named(error, dir, 'reading');
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue;
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isDirectory()) await this.walk(rel, into);
      else if (entry.isFile()) into.push(rel);
    }
  }

  private fileOf(key: string): string {
    assertValidBlobKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  private conflict(key: string, cause: unknown): InputError {
    return new InputError(
      `blob key ${JSON.stringify(key)} conflicts with an existing key (a key cannot also be a folder of keys) in ${this.root}`,
      'blob_key_conflict',
      { cause },
    );
  }
}
