import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_LOG_NAME, ImageVectorLog } from '#adapters/file-vector-store/image-vector-log.ts';
import { acquireLock, LOCK_FILE } from '#adapters/file-vector-store/lock.ts';
import { FileVectorStore, StoreLockedError } from '#adapters/file-vector-store.ts';
import { readLockFile } from '#adapters/lock-file.ts';
import { holderState, type LockHolder } from '#adapters/lock-liveness.ts';
import { environmentFaultOf } from '#core/env-fault.ts';
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
        if (environmentFaultOf(error)) throw error;
        // An index that cannot be opened (a damaged bind line, say) is an index gc must not collect for.
        throw new GcRefusedError(
          `the index at ${dir} cannot be read (${(error as Error).message}); run threadfinder check --repair first`,
          { cause: error },
        );
      });
      locked.push({ dir, store, release });
      const damage = store.damage();
      const imageDamage = await imageLogDamage(dir);
      if (damage || imageDamage > 0) {
        const lines = damage ? `${damage.lines.length} damaged line(s)` : '';
        const images = imageDamage > 0 ? `${imageDamage} damaged line(s) in ${IMAGE_LOG_NAME}` : '';
        throw new GcRefusedError(
          `the index at ${dir} has ${[lines, images].filter(Boolean).join(' and ')}; their products' images must not be collected (nor the damage compacted away): run threadfinder check --repair and ingest its catalog first`,
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
  const dirs = names.map((name) => path.join(root, name)).filter((dir) => !mine.has(dir));
  const held: string[] = [];
  for (const dir of dirs) {
    const found = await readLockFile(path.join(dir, LOCK_FILE), (json) => json as LockHolder | null);
    if (found === 'gone') continue;
    // A lock left by a writer that is gone (killed with -9) holds nothing: the next writer takes it over. An
    // unreadable one holds: writers refuse it.
    if (found !== null && holderState(found.value, found.mtimeMs) === 'stale') continue;
    const who =
      found === null
        ? 'its lock file is unreadable'
        : `process ${String(found.value.pid)} since ${String(found.value.since)}`;
    held.push(`${dir} (${who})`);
  }
  return held;
}

/** Damaged lines of an index's image-vector log, a torn last line included (gc holds the lock: no writer). */
async function imageLogDamage(dir: string): Promise<number> {
  const log = await ImageVectorLog.open(path.join(dir, IMAGE_LOG_NAME));
  try {
    return log.damage().length;
  } finally {
    await log.close();
  }
}
