import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, ModelMismatchError, ThreadfinderError } from '#core/errors.ts';
import type {
  IndexInfo,
  ProductImageVectors,
  SearchOptions,
  StoreDamage,
  VectorStore,
} from '#core/ports/vector-store.ts';
import { type CheckedRecord, checkRecord, toProductRecord } from '#core/product-record.ts';
import type { Hit, ProductRecord } from '#core/types.ts';
import { encodeVector } from '#core/vector-codec.ts';
import { rowFilter } from './file-vector-store/filter.ts';
import { IMAGE_LOG_NAME, ImageVectorLog } from './file-vector-store/image-vector-log.ts';
import { acquireLock } from './file-vector-store/lock.ts';
import { LogFile } from './file-vector-store/log-file.ts';
import { encodePut, encodeRecord, LOG_HEADER } from './file-vector-store/log-format.ts';
import { readOnlyDamage, recoverLog } from './file-vector-store/recover.ts';
import { replayLog } from './file-vector-store/replay.ts';
import { VectorTable } from './file-vector-store/table.ts';

export { StoreLockedError } from './file-vector-store/lock.ts';

/** Options of FileVectorStore.open. */
export interface FileVectorStoreOptions {
  /** Open without the lock, for reading a snapshot; writes throw. */
  readOnly?: boolean;
  /**
   * Automatic compaction waits until a log is at least this big (default 1 MiB); it then runs after a write
   * that leaves more than half of that log dead (replaced or deleted records). The product log and the
   * image-vector log are judged each on its own.
   */
  compactMinBytes?: number;
  /**
   * Preselect search candidates with usearch's native exact search (default true; the results are the same as
   * the JavaScript scan's, which the benchmark compares it with).
   */
  nativeSearch?: boolean;
}

const LOG_NAME = 'vectors.log';

/** Embedded, persistent VectorStore for one machine: an append-only checksummed log replayed into memory. */
export class FileVectorStore implements VectorStore {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private imageLog: Promise<ImageVectorLog> | undefined;

  private constructor(
    readonly dir: string,
    private index: IndexInfo | null,
    private table: VectorTable | null,
    private readonly log: LogFile | null,
    private readonly release: (() => Promise<void>) | null,
    private readonly compactMinBytes: number,
    private readonly damaged: StoreDamage | null,
  ) {}

  /** See FileVectorStoreOptions.nativeSearch. */
  private nativeSearch = true;

  /**
   * Opens (creating when absent) the store in `dir`, replaying every valid record of its log. Damaged lines
   * are skipped and named in `damage()`; a writable open also sets them aside and rewrites a clean log.
   */
  static async open(dir: string, options: FileVectorStoreOptions = {}): Promise<FileVectorStore> {
    const root = path.resolve(dir);
    const file = path.join(root, LOG_NAME);
    const compactMinBytes = options.compactMinBytes ?? 1 << 20;
    if (options.readOnly) {
      const state = await replayLog(file);
      const damage = readOnlyDamage(file, state);
      const store = new FileVectorStore(root, state.index, state.table, null, null, compactMinBytes, damage);
      store.nativeSearch = options.nativeSearch ?? true;
      return store;
    }
    await mkdir(root, { recursive: true });
    const release = await acquireLock(root);
    try {
      const state = await replayLog(file);
      const { size, damage } = await recoverLog(file, state);
      const log = await LogFile.open(file, size);
      const store = new FileVectorStore(
        root,
        state.index,
        state.table,
        log,
        release,
        compactMinBytes,
        damage,
      );
      store.nativeSearch = options.nativeSearch ?? true;
      return store;
    } catch (error) {
      await release();
      throw error;
    }
  }

  /** What opening found damaged and skipped (lines, bytes, product ids, where it was set aside); null when whole. */
  damage(): StoreDamage | null {
    return this.damaged;
  }

  async info(): Promise<IndexInfo | null> {
    this.assertOpen();
    return this.index === null ? null : { ...this.index };
  }

  async bind(info: IndexInfo): Promise<void> {
    if (typeof info?.model !== 'string' || info.model === '' || !Number.isInteger(info.dim) || info.dim < 1) {
      throw new InputError('bind needs { model: non-empty string, dim: positive integer }');
    }
    await this.write(async (log) => {
      const current = this.index;
      if (current !== null && current.model === info.model && current.dim === info.dim) return;
      if (current !== null && (this.table?.size ?? 0) > 0) {
        throw new ModelMismatchError(
          `index at ${this.dir} was built with model ${current.model} (dim ${current.dim}); asked for ${info.model} (dim ${info.dim}); re-ingest or choose ${current.model}`,
        );
      }
      await log.append(encodeRecord({ t: 'bind', model: info.model, dim: info.dim }));
      this.index = { model: info.model, dim: info.dim };
      if (this.table?.dim !== info.dim) this.table = new VectorTable(info.dim);
    });
  }

  async upsert(records: ProductRecord[]): Promise<void> {
    if (!Array.isArray(records)) throw new InputError('upsert needs an array of records');
    await this.write(async (log) => {
      const table = this.boundTable('upsert');
      const latest = new Map<string, CheckedRecord>();
      records.forEach((record, i) => {
        const checked = checkRecord(record, table.dim, i);
        latest.delete(checked.id);
        latest.set(checked.id, checked);
      });
      const changed = [...latest.values()].filter((r) => !table.holds(r.id, r.vector, r.docJson));
      const lines = changed.map((r) => encodePut(r.id, encodeVector(r.vector), r.docJson));
      if (lines.length === 0) return;
      await log.append(lines.join(''));
      changed.forEach((r, i) => {
        const lineBytes = Buffer.byteLength(lines[i] as string);
        table.set({ id: r.id, doc: r.doc, docJson: r.docJson, lineBytes }, r.vector);
      });
      await this.compactIfBloated(log);
    });
  }

  /** Removes records by id; returns how many existed. */
  async delete(ids: string[]): Promise<number> {
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
      throw new InputError('delete needs an array of string ids');
    }
    return this.write(async (log) => {
      const table = this.table;
      const present = [...new Set(ids)].filter((id) => table?.has(id));
      if (table === null || present.length === 0) return 0;
      await log.append(present.map((id) => encodeRecord({ t: 'del', id })).join(''));
      for (const id of present) table.delete(id);
      await (await this.images()).delete(present);
      await this.compactIfBloated(log);
      return present.length;
    });
  }

  /** Stores per-image vectors of stored products in the sibling log (`image-vectors.log`), fsynced. */
  async putImageVectors(entries: ProductImageVectors[]): Promise<void> {
    if (!Array.isArray(entries)) throw new InputError('putImageVectors needs an array');
    await this.write(async () => {
      const table = this.boundTable('putImageVectors');
      for (const entry of entries) {
        if (!table.has(entry.id))
          throw new InputError(`putImageVectors: product ${JSON.stringify(entry.id)} is not stored`);
        for (const image of entry.images) {
          if (image.vector.length !== table.dim || !image.vector.every(Number.isFinite)) {
            throw new InputError(
              `putImageVectors: product ${JSON.stringify(entry.id)} image ${image.index} is not a finite ${table.dim}-d vector`,
            );
          }
        }
      }
      await (await this.images()).put(entries);
      await this.compactImagesIfBloated();
    });
  }

  /** The per-image vectors of those `ids` that have them (read from disk on demand; read-only opens too). */
  async getImageVectors(ids: string[]): Promise<ProductImageVectors[]> {
    this.assertOpen();
    const live = ids.filter((id) => this.table?.has(id));
    return (await this.images()).get(live);
  }

  /** Every stored id, from a snapshot taken when iteration starts (writes during it do not disturb it). */
  async *listIds(): AsyncGenerator<string> {
    this.assertOpen();
    yield* this.table?.ids() ?? [];
  }

  async get(id: string): Promise<ProductRecord | null> {
    this.assertOpen();
    const found = this.table?.get(id);
    return found ? toProductRecord(id, found.vector, found.row.doc) : null;
  }

  async search(vector: Float32Array, options: SearchOptions): Promise<Hit[]> {
    this.assertOpen();
    const filter = rowFilter(options);
    if (!(vector instanceof Float32Array) || vector.some((x) => !Number.isFinite(x))) {
      throw new InputError('search vector must be a Float32Array of finite numbers');
    }
    const table = this.table;
    if (table === null || options.k === 0) return [];
    if (vector.length !== table.dim) {
      throw new InputError(
        `search vector has ${vector.length} dimensions; the index at ${this.dir} holds ${table.dim}`,
      );
    }
    return table.topK(vector, options.k, filter, this.nativeSearch).map(({ row, index, score }) => ({
      record: toProductRecord(row.id, table.vectorAt(index), row.doc),
      score,
    }));
  }

  async count(): Promise<number> {
    this.assertOpen();
    return this.table?.size ?? 0;
  }

  /** The log's size after compaction: what its live records take (read-only opens too). */
  compactedBytes(): number {
    this.assertOpen();
    return this.liveBytes();
  }

  /** Rewrites the log with only the live records (temp file, fsync, rename). */
  async compact(): Promise<void> {
    await this.write(async (log) => {
      await this.compactNow(log);
      await (await this.images()).compact();
    });
  }

  /** Bytes of the product and image-vector logs on disk, and after compaction (read-only opens too). */
  async logSizes(): Promise<{ bytes: number; compactedBytes: number }> {
    this.assertOpen();
    const images = (await this.images()).sizes();
    const bytes =
      this.log?.size ?? (await stat(path.join(this.dir, LOG_NAME)).catch(() => ({ size: 0 }))).size;
    return { bytes: bytes + images.total, compactedBytes: this.liveBytes() + images.live };
  }

  /** Waits for queued writes, closes the log and releases the lock. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await (await this.imageLog)?.close();
    await this.log?.close();
    await this.release?.();
  }

  private write<T>(task: (log: LogFile) => Promise<T>): Promise<T> {
    this.assertOpen();
    const log = this.log;
    if (log === null)
      return Promise.reject(new ThreadfinderError(`vector store at ${this.dir} is open read-only`));
    const result = this.queue.then(() => task(log));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private boundTable(operation: string): VectorTable {
    if (this.table === null) {
      throw new InputError(
        `cannot ${operation}: the store at ${this.dir} is not bound; call bind({ model, dim }) first`,
      );
    }
    return this.table;
  }

  private liveBytes(): number {
    const bind = this.index ? Buffer.byteLength(encodeRecord({ t: 'bind', ...this.index })) : 0;
    return Buffer.byteLength(LOG_HEADER) + bind + (this.table?.lineBytes ?? 0);
  }

  private async compactIfBloated(log: LogFile): Promise<void> {
    if (log.size >= this.compactMinBytes && log.size > 2 * this.liveBytes()) await this.compactNow(log);
    await this.compactImagesIfBloated();
  }

  /** The image-vector log follows the same rule as the product log (only once it has been opened). */
  private async compactImagesIfBloated(): Promise<void> {
    const images = await this.imageLog;
    if (!images) return;
    const { total, live } = images.sizes();
    if (total >= this.compactMinBytes && total > 2 * live) await images.compact();
  }

  private async compactNow(log: LogFile): Promise<void> {
    const { index, table } = this;
    await log.rewrite(
      (function* () {
        yield LOG_HEADER;
        if (index) yield encodeRecord({ t: 'bind', model: index.model, dim: index.dim });
        for (const { row, vector } of table?.entries() ?? [])
          yield encodePut(row.id, encodeVector(vector), row.docJson);
      })(),
    );
  }

  private images(): Promise<ImageVectorLog> {
    this.imageLog ??= ImageVectorLog.open(path.join(this.dir, IMAGE_LOG_NAME));
    return this.imageLog;
  }

  private assertOpen(): void {
    if (this.closed) throw new ThreadfinderError(`vector store at ${this.dir} is closed`);
  }
}
