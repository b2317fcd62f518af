import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { acquireLock, LOCK_FILE } from '#adapters/file-vector-store/lock.ts';
import { FileVectorStore, StoreLockedError } from '#adapters/file-vector-store.ts';
import { GcRefusedError } from './errors.ts';

/** One embedding model's index, locked against writers and open read-only for gc. */
export interface LockedIndex {
  dir: string;
  store: FileVectorStore;
  release(): Promise<void>;
}

/** Every index folder of a data dir (`index/<model id>/` holding a log). */
export async function indexDirs(dataDir: string): Promise<string[]> {
  const root = path.join(dataDir, 'index');
  const names = await readdir(root).catch(() => [] as string[]);
  return names
    .map((name) => path.join(root, name))
    .filter((dir) => existsSync(path.join(dir, 'vectors.log')))
    .sort();
}

/**
 * Takes the writer's lock of every index (so no ingestion starts on them while gc runs) and opens each
 * read-only. Refuses, releasing what it took, when a writer holds a lock or an index has damaged lines (their
 * products' blobs must not be collected: `check --repair` and an ingest restore them first).
 */
export async function lockIndexes(dataDir: string): Promise<LockedIndex[]> {
  const locked: LockedIndex[] = [];
  try {
    for (const dir of await indexDirs(dataDir)) {
      const release = await acquireLock(dir).catch((error: unknown) => {
        if (!(error instanceof StoreLockedError)) throw error;
        throw new GcRefusedError(`an ingestion is writing: ${error.message}; run gc once it is done`, {
          cause: error,
        });
      });
      const store = await FileVectorStore.open(dir, { readOnly: true }).catch(async (error: unknown) => {
        await release();
        throw error;
      });
      locked.push({ dir, store, release });
      const damage = store.damage();
      if (damage) {
        throw new GcRefusedError(
          `the index at ${dir} has ${damage.lines.length} damaged line(s); their products' images must not be collected: run threadfinder check --repair and ingest its catalog first`,
        );
      }
    }
  } catch (error) {
    await releaseIndexes(locked);
    throw error;
  }
  return locked;
}

/** Closes and unlocks what lockIndexes took. */
export async function releaseIndexes(locked: LockedIndex[]): Promise<void> {
  for (const index of locked) {
    await index.store.close();
    await index.release();
  }
}

/** Index writers other than gc (an ingestion, possibly with a new model): "<dir> (process N since T)". */
export async function foreignIndexLocks(dataDir: string, ours: LockedIndex[]): Promise<string[]> {
  const mine = new Set(ours.map((i) => i.dir));
  const root = path.join(dataDir, 'index');
  const names = await readdir(root).catch(() => [] as string[]);
  const dirs = names
    .map((name) => path.join(root, name))
    .filter((dir) => !mine.has(dir) && existsSync(path.join(dir, LOCK_FILE)));
  return Promise.all(dirs.map(async (dir) => `${dir} (${await holderOf(path.join(dir, LOCK_FILE))})`));
}

async function holderOf(lockFile: string): Promise<string> {
  try {
    const owner = JSON.parse(await readFile(lockFile, 'utf8')) as { pid?: unknown; since?: unknown };
    return `process ${String(owner.pid)} since ${String(owner.since)}`;
  } catch {
    return 'its lock file is unreadable';
  }
}
