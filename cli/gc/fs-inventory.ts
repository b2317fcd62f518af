import { type Dirent, statSync } from 'node:fs';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '#core/concurrency.ts';
import { PREFIXES } from '#core/contracts/run-layout.ts';
import type { BlobEntry, BlobInventory, RemoveResult } from './inventory.ts';

const CONCURRENCY = 32;
/** FsBlobStore's in-flight writes: never listed, never deleted. */
const TEMP_PREFIX = '.tf-partial-';
/**
 * Folders gc may remove once empty: those of the run files it deleted (no writer puts files there again), and
 * an original's folder of cached vectors (gc runs under the index locks, so no embedding writes meanwhile).
 */
const RUN_FOLDERS: readonly string[] = [PREFIXES.runs, PREFIXES.mapResults];

/** The blob folder of a local data dir, listed with sizes and times, and deleted from with care. */
export class FsBlobInventory implements BlobInventory {
  private readonly root: string;

  constructor(blobsDir: string) {
    this.root = path.resolve(blobsDir);
  }

  async list(prefix: string): Promise<BlobEntry[]> {
    const files: string[] = [];
    await this.walk(prefix.replace(/\/$/, ''), files);
    // Synchronous stats: at hundreds of thousands of small files, a promise and a thread-pool hop per file cost
    // several times the system call itself (47k products: ~460k files).
    const entries: BlobEntry[] = [];
    for (const key of files) {
      const info = statSync(this.fileOf(key), { throwIfNoEntry: false });
      if (info?.isFile()) entries.push({ key, size: info.size, modifiedMs: info.mtimeMs });
    }
    return entries.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /**
   * Deletes each entry unless its file changed since it was listed (another size or time: a writer put it
   * again, so it is in use). Then removes the run folders left empty.
   */
  async remove(entries: BlobEntry[]): Promise<RemoveResult> {
    // Each entry's verdict in its own slot: the lists keep the entries' order, not the order the work finished in.
    const verdicts = await mapLimit(entries, CONCURRENCY, async (entry) => {
      const file = this.fileOf(entry.key);
      const now = await stat(file).catch(() => undefined);
      if (!now) return 'gone';
      if (now.size !== entry.size || now.mtimeMs !== entry.modifiedMs) return 'changed';
      await rm(file, { force: true });
      return 'deleted';
    });
    const result: RemoveResult = {
      deleted: entries.filter((_, i) => verdicts[i] === 'deleted'),
      changed: entries.filter((_, i) => verdicts[i] === 'changed'),
    };
    await this.removeEmptyRunFolders(result.deleted.map((e) => e.key));
    return result;
  }

  private async removeEmptyRunFolders(keys: string[]): Promise<void> {
    const folders = new Set<string>();
    for (const key of keys) {
      const [top, run, ...rest] = key.split('/');
      if (rest.length > 0 && RUN_FOLDERS.includes(`${top}/`)) folders.add(`${top}/${run}`);
      // embeddings/<model>/<original's hash>/: only the embedding of that original writes there.
      if (`${top}/` === PREFIXES.embeddings && rest.length === 2) folders.add(`${top}/${run}/${rest[0]}`);
    }
    for (const folder of folders) await removeEmptyTree(this.fileOf(folder));
  }

  private async walk(relDir: string, into: string[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.fileOf(relDir), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
    const folders: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue;
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isDirectory()) folders.push(rel);
      else if (entry.isFile()) into.push(rel);
    }
    for (const folder of folders) await this.walk(folder, into);
  }

  private fileOf(key: string): string {
    return path.join(this.root, ...key.split('/').filter(Boolean));
  }
}

/** Removes `dir` and its subfolders bottom-up where they hold no file (a folder that does is left alone). */
async function removeEmptyTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [] as Dirent[]);
  for (const entry of entries) if (entry.isDirectory()) await removeEmptyTree(path.join(dir, entry.name));
  await rmdir(dir).catch(() => undefined);
}
