import path from 'node:path';
import { FileVectorStore, StoreLockedError } from '#adapters/file-vector-store.ts';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { type Collected, collectGarbage, type GcOptions } from './collect.ts';

export type { GcOptions };

import { GcRefusedError } from './errors.ts';
import { FsBlobInventory } from './fs-inventory.ts';
import { foreignIndexLocks, type LockedIndex, lockIndexes, releaseIndexes } from './index-locks.ts';
import { heldCatalogLocks } from './ingestion-locks.ts';

/** One index's logs (products and image vectors): their bytes, and after compaction (done on --apply). */
export interface IndexLogReport {
  dir: string;
  products: number;
  bytes: number;
  compactedBytes: number;
  compacted: boolean;
}

/** What gc found and did in a data dir. */
export interface GcReport extends Omit<Collected, 'phases'> {
  phases: Collected['phases'] & { compactMs: number };
  dataDir: string;
  apply: boolean;
  indexes: IndexLogReport[];
  elapsedMs: number;
  /** Blobs written more recently than this were spared (gc --cloud, --grace-hours, or a stopped last run). */
  graceMs?: number;
  /** The state machine checked for running ingestions before the scan and each batch of deletions (gc --cloud). */
  watched?: string;
}

/**
 * Garbage collection of a local data dir: deletes (with `apply`) the originals, masks and URL records that no
 * stored product of any index references, and run files past their age. Refused while an ingestion holds its
 * catalog lock or an index's writer lock; holds every index's lock while it scans and deletes, so no
 * ingestion starts meanwhile, and never deletes a blob written again since its scan. Then compacts the logs.
 */
export async function runGc(dataDir: string, options: GcOptions): Promise<GcReport> {
  const started = performance.now();
  const blobsDir = path.join(dataDir, 'blobs');
  await refuseWhileIngesting(dataDir, []);
  const locked = await lockIndexes(dataDir);
  if (locked.length === 0) {
    throw new GcRefusedError(
      `there is no index under ${path.join(dataDir, 'index')}: gc keeps what an index references, and without one it would delete every image; is THREADFINDER_DATA_DIR right?`,
    );
  }
  let collected: Collected;
  let indexes: IndexLogReport[];
  try {
    await refuseWhileIngesting(dataDir, locked);
    indexes = await Promise.all(locked.map(measureLog));
    collected = await collectGarbage(
      {
        stores: locked.map((i) => i.store),
        blobs: new FsBlobStore(blobsDir),
        inventory: new FsBlobInventory(blobsDir),
        writer: () => whoIsIngesting(dataDir, locked),
      },
      // What a stopped run made is referenced by no product yet; its re-run reuses it (unless told a grace).
      { ...options, spareStoppedRun: true },
    );
  } finally {
    await releaseIndexes(locked);
  }
  const compactStarted = performance.now();
  if (options.apply) indexes = await Promise.all(indexes.map(compactLog));
  const compactMs = performance.now() - compactStarted;
  return {
    dataDir,
    apply: options.apply,
    ...collected,
    phases: { ...collected.phases, compactMs },
    indexes,
    elapsedMs: performance.now() - started,
    ...(collected.plan.graceMs > 0 && { graceMs: collected.plan.graceMs }),
  };
}

async function refuseWhileIngesting(dataDir: string, locked: LockedIndex[]): Promise<void> {
  const writer = await whoIsIngesting(dataDir, locked);
  if (writer) throw new GcRefusedError(`${writer}; run gc once it is done`);
}

/** Names the ingestion running on this data dir (a held catalog lock, a new index's lock), if any. */
async function whoIsIngesting(dataDir: string, locked: LockedIndex[]): Promise<string | undefined> {
  const held = await heldCatalogLocks(dataDir);
  if (held[0])
    return `an ingestion of ${held[0].catalog} holds its lock (${held[0].holder}, ${held[0].file})`;
  const foreign = await foreignIndexLocks(dataDir, locked);
  if (foreign[0]) return `a writer (ingest, or start while it serves) holds the index at ${foreign[0]}`;
  return undefined;
}

/** The index's logs (products, image vectors): their size and their size after compaction, from the snapshot. */
async function measureLog(index: LockedIndex): Promise<IndexLogReport> {
  const { bytes, compactedBytes } = await index.store.logSizes();
  return { dir: index.dir, products: await index.store.count(), bytes, compactedBytes, compacted: false };
}

/** Compacts a log that holds dead records; skipped when an ingestion took the index as soon as gc let go. */
async function compactLog(log: IndexLogReport): Promise<IndexLogReport> {
  if (log.compactedBytes >= log.bytes) return log;
  let store: FileVectorStore;
  try {
    store = await FileVectorStore.open(log.dir);
  } catch (error) {
    if (error instanceof StoreLockedError) return log;
    throw error;
  }
  try {
    await store.compact();
    return { ...log, compactedBytes: (await store.logSizes()).bytes, compacted: true };
  } finally {
    await store.close();
  }
}
