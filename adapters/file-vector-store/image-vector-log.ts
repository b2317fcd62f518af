import type { FileHandle } from 'node:fs/promises';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeHalf, encodeHalf } from '#adapters/half-float.ts';
import { syncDir } from '#core/fs-atomic.ts';
import type { EmbedSettings, ProductImageVectors } from '#core/ports/vector-store.ts';
import { setAsideDamage } from './clean-log.ts';
import {
  checkImageLine,
  type DamagedImageLine,
  type Entry,
  type ImageRecord,
  SCAN_CHUNK,
  scanImageLog,
} from './image-log-scan.ts';
import { LogFile } from './log-file.ts';
import { frameLine } from './log-format.ts';

/**
 * The per-image vectors of an embedded store, in a sibling log (`image-vectors.log`) next to `vectors.log`:
 * one checksummed line per product (`{"t":"img","id","s":settings,"n":[image indices],"v":[base64 binary16]}`)
 * or deletion (`{"t":"imgdel","id"}`); the last line of an id wins. Only byte offsets are kept in memory
 * (a 47k-product index holds about 140k image vectors: 215 MB as binary16, read on demand); a torn or damaged
 * line is skipped, as in the product log, and named in `damage()`.
 */
export const IMAGE_LOG_NAME = 'image-vectors.log';

// The product log's framing (`<crc32 hex> <json>`), with this log's own record kinds.
function parseLine(line: Buffer): ImageRecord | null {
  const checked = checkImageLine(line);
  return 'record' in checked ? checked.record : null;
}

interface ImageLine {
  t: 'img';
  id: string;
  s: EmbedSettings;
  n: number[];
  v: string[];
}

const encodeLine = (entry: ProductImageVectors) =>
  frameLine(
    JSON.stringify({
      t: 'img',
      id: entry.id,
      s: entry.settings,
      n: entry.images.map((i) => i.index),
      v: entry.images.map((i) => Buffer.from(encodeHalf(i.vector)).toString('base64')),
    }),
  );

/** Reader and (with the store's lock held) writer of a store's per-image vectors. */
export class ImageVectorLog {
  private constructor(
    private readonly file: string,
    private readonly entries: Map<string, Entry>,
    private end: number,
    private log: LogFile | null,
    /** Opened with the scan: the offsets stay valid when another process compacts (renames) the file. */
    private reader: FileHandle | null,
    private damaged: DamagedImageLine[],
  ) {}

  /** Scans the log once (an absent log is empty). */
  static async open(file: string): Promise<ImageVectorLog> {
    const reader = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    const found = reader ? await scanImageLog(reader) : null;
    const entries = found?.entries ?? new Map();
    return new ImageVectorLog(file, entries, found?.end ?? 0, null, reader, found?.damaged ?? []);
  }

  /** The lines the scan found damaged and skipped (a torn last line too: the next append overwrites it). */
  damage(): DamagedImageLine[] {
    return this.damaged;
  }

  /**
   * Copies the damaged lines' bytes to `image-vectors.log.damaged-<ms>` beside the log, then rewrites the log
   * with each product's latest valid line, as compaction does (the last line of an id wins, so the older ones
   * hold nothing that is read). Returns where the bytes went; null when nothing was damaged. The store's lock
   * must be held, and no other ImageVectorLog of this file be open for writing.
   */
  async setDamageAside(): Promise<string | null> {
    if (this.damaged.length === 0) return null;
    const reader = await this.readHandle();
    const pieces = await Promise.all(
      this.damaged.map(async (l) => {
        const piece = Buffer.alloc(l.bytes);
        const { bytesRead } = await reader.read(piece, 0, l.bytes, l.offset);
        return piece.subarray(0, bytesRead);
      }),
    );
    const setAsideTo = await setAsideDamage(this.file, pieces);
    await this.rewrite();
    this.damaged = [];
    return setAsideTo;
  }

  /** The log's size, and what its live lines take (its size once compacted). */
  sizes(): { total: number; live: number } {
    let live = 0;
    for (const e of this.entries.values()) live += e.length + 1;
    return { total: this.end, live };
  }

  /**
   * Rewrites the log with only each product's latest line (temp file, fsync, rename, fsync of the folder), in
   * 8 MiB reads; the store's lock must be held.
   */
  async compact(): Promise<void> {
    if (this.end === 0 || this.sizes().live === this.end) return;
    await this.rewrite();
  }

  /** Writes the live lines to a temp file and renames it over the log. */
  private async rewrite(): Promise<void> {
    const reader = await this.readHandle();
    const temp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.compact`);
    const moved = new Map<string, Entry>();
    try {
      const out = await open(temp, 'w');
      try {
        let written = 0;
        const live = [...this.entries].sort(([, a], [, b]) => a.offset - b.offset);
        for (let at = 0; at < live.length; ) {
          let bytes = 0;
          const batch: [string, Entry][] = [];
          while (at < live.length && (batch.length === 0 || bytes < SCAN_CHUNK)) {
            const item = live[at++] as [string, Entry];
            batch.push(item);
            bytes += item[1].length + 1;
          }
          const buffer = Buffer.alloc(bytes);
          let into = 0;
          for (const [id, entry] of batch) {
            await reader.read(buffer, into, entry.length + 1, entry.offset);
            moved.set(id, { ...entry, offset: written + into });
            into += entry.length + 1;
          }
          for (let done = 0; done < buffer.length; )
            done += (await out.write(buffer, done, buffer.length - done, written + done)).bytesWritten;
          written += buffer.length;
        }
        await out.sync();
      } finally {
        await out.close();
      }
      await this.log?.close();
      this.log = null;
      await rename(temp, this.file);
      await syncDir(path.dirname(this.file));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    for (const [id, entry] of moved) this.entries.set(id, entry);
    this.end = this.sizes().live;
    await this.reader?.close();
    this.reader = await open(this.file, 'r');
  }

  /** Appends the entries (fsynced), replacing each product's earlier vectors. */
  async put(all: ProductImageVectors[]): Promise<void> {
    const unchanged = (entry: ProductImageVectors, line: string) => {
      const known = this.entries.get(entry.id);
      return known?.crc === line.slice(0, 8) && known.length === Buffer.byteLength(line) - 1;
    };
    const encoded = all
      .map((entry) => [entry, encodeLine(entry)] as const)
      .filter(([e, l]) => !unchanged(e, l));
    const entries = encoded.map(([e]) => e);
    const lines = encoded.map(([, l]) => l);
    await this.append(lines);
    let at = this.end - Buffer.byteLength(lines.join(''));
    entries.forEach((entry, i) => {
      const length = Buffer.byteLength(lines[i] as string) - 1;
      this.entries.set(entry.id, { offset: at, length, crc: (lines[i] as string).slice(0, 8) });
      at += length + 1;
    });
  }

  /** Forgets the vectors of `ids` (those that have any). */
  async delete(ids: string[]): Promise<void> {
    const present = ids.filter((id) => this.entries.has(id));
    if (present.length === 0) return;
    await this.append(present.map((id) => frameLine(JSON.stringify({ t: 'imgdel', id }))));
    for (const id of present) this.entries.delete(id);
  }

  /** The stored vectors of those `ids` that have any. */
  async get(ids: string[]): Promise<ProductImageVectors[]> {
    const wanted = ids.map((id) => this.entries.get(id)).filter((e): e is Entry => e !== undefined);
    if (wanted.length === 0) return [];
    const handle = await this.readHandle();
    return Promise.all(wanted.map((e) => readEntry(handle, e)));
  }

  /** Ids with stored vectors. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  async close(): Promise<void> {
    await this.log?.close();
    this.log = null;
    await this.reader?.close();
    this.reader = null;
  }

  private async readHandle(): Promise<FileHandle> {
    this.reader ??= await open(this.file, 'r');
    return this.reader;
  }

  private async append(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    if (this.log === null) {
      if (this.end === 0) await writeFile(this.file, '', { flag: 'a' });
      this.log = await LogFile.open(this.file, this.end);
    }
    await this.log.append(lines.join(''));
    this.end = this.log.size;
  }
}

async function readEntry(handle: FileHandle, entry: Entry): Promise<ProductImageVectors> {
  const buffer = Buffer.alloc(entry.length);
  await handle.read(buffer, 0, entry.length, entry.offset);
  const line = parseLine(buffer) as ImageLine | null;
  if (line?.t !== 'img') throw new Error(`image vector line at ${entry.offset} no longer reads back`);
  return {
    id: line.id,
    settings: line.s,
    images: line.n.map((index, i) => ({
      index,
      vector: decodeHalf(new Uint8Array(Buffer.from(line.v[i] ?? '', 'base64'))),
    })),
  };
}
