import type { BlobStore } from '#core/ports/blob-store.ts';
import { systemError } from './system-error.ts';

type Op = 'put' | 'get' | 'has' | 'list' | 'delete';

/** Which calls fail, and with which system error code. */
export interface InjectedFault {
  code: string;
  ops: Op[];
  /** Only keys starting with this fail (default: every key). */
  prefix?: string;
  /** Calls that still succeed before the fault starts (default 0). */
  after?: number;
}

/**
 * A BlobStore over a real one whose calls fail with a system error (ENOSPC, EROFS, ...) once `inject` is
 * called, as the file system under it would; `clear` frees the disk again. `root` is the folder errors name.
 */
export class FaultyBlobStore implements BlobStore {
  private fault: InjectedFault | undefined;
  private matched = 0;
  /** Calls that failed. */
  failures = 0;

  constructor(
    private readonly inner: BlobStore,
    private readonly root = '/data/blobs',
  ) {}

  inject(fault: InjectedFault): void {
    this.fault = fault;
    this.matched = 0;
    this.failures = 0;
  }

  clear(): void {
    this.fault = undefined;
  }

  async put(key: string, data: Uint8Array, contentType?: string): Promise<void> {
    this.check('put', key, 'write');
    return this.inner.put(key, data, contentType);
  }

  async get(key: string): Promise<Uint8Array> {
    this.check('get', key, 'open');
    return this.inner.get(key);
  }

  async has(key: string): Promise<boolean> {
    this.check('has', key, 'stat');
    return this.inner.has(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.check('list', prefix, 'scandir');
    return this.inner.list(prefix);
  }

  async delete(key: string): Promise<void> {
    this.check('delete', key, 'unlink');
    return this.inner.delete(key);
  }

  private check(op: Op, key: string, syscall: string): void {
    const f = this.fault;
    if (f === undefined || !f.ops.includes(op) || !key.startsWith(f.prefix ?? '')) return;
    if (this.matched++ < (f.after ?? 0)) return;
    this.failures++;
    throw systemError(f.code, syscall, `${this.root}/${key}`);
  }
}
