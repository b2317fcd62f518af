import { stat } from 'node:fs/promises';
import path from 'node:path';
import { FileVectorStore, StoreLockedError } from '../../adapters/file-vector-store.ts';
import { FsBlobStore } from '../../adapters/fs-blob-store.ts';
import { GcRefusedError } from './errors.ts';
import { FsBlobInventory } from './fs-inventory.ts';
import { foreignIndexLocks, type LockedIndex, lockIndexes, releaseIndexes } from './index-locks.ts';
import { heldCatalogLocks } from './ingestion-locks.ts';
import type { BlobEntry } from './inventory.ts';
import { type GcPlan, planGc, type Tally } from './plan.ts';
import { collectReferences } from './references.ts';

/** Run files younger than this stay (30 days). */
export const DEFAULT_RUN_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** Deletions between two checks that no ingestion has started meanwhile. */
const CHUNK = 1000;

/** Options of one gc. */
export interface GcOptions {
  /** Delete; otherwise only report what would go. */
  apply: boolean;
  runMaxAgeMs?: number;
  nowMs?: number;
}

/** One index's log: its size, and its size after compaction (compacted on --apply when smaller). */
export interface IndexLogReport {
  dir: string;
  products: number;
  bytes: number;
  compactedBytes: number;
  compacted: boolean;
}

/** What gc found and did. */
export interface GcReport {
  dataDir: string;
  apply: boolean;
  products: number;
  plan: Omit<GcPlan, 'garbage'>;
  /** What would go (dry run) or was meant to go (--apply). */
  garbage: Tally;
  /** Applied only: what was deleted, and what was spared because a writer put it again since the scan. */
  deleted?: Tally;
  changedSinceScan?: number;
  /** Applied only: why deletion stopped before the end (an ingestion started). */
  stoppedEarly?: string;
  indexes: IndexLogReport[];
  elapsedMs: number;
}

/**
 * Garbage collection of a local data dir: deletes (with `apply`) the originals, masks and URL records that no
 * stored product of any index references, and run files past their age. Refused while an ingestion holds its
 * catalog lock or an index's writer lock; holds every index's lock while it scans and deletes, so no
 * ingestion starts meanwhile, and never deletes a blob written again since its scan. Then compacts the logs.
 */
export async function runGc(dataDir: string, options: GcOptions): Promise<GcReport> {
  const started = performance.now();
  const nowMs = options.nowMs ?? Date.now();
  const blobsDir = path.join(dataDir, 'blobs');
  await refuseWhileIngesting(dataDir, []);
  const locked = await lockIndexes(dataDir);
  let report: Omit<GcReport, 'indexes' | 'elapsedMs'>;
  let indexes: IndexLogReport[];
  try {
    await refuseWhileIngesting(dataDir, locked);
    const refs = await collectReferences(
      locked.map((i) => i.store),
      new FsBlobStore(blobsDir),
    );
    const inventory = new FsBlobInventory(blobsDir);
    const { garbage, ...plan } = planGc(await inventory.list(''), refs, {
      nowMs,
      runMaxAgeMs: options.runMaxAgeMs ?? DEFAULT_RUN_MAX_AGE_MS,
    });
    indexes = await Promise.all(locked.map(measureLog));
    report = { dataDir, apply: options.apply, products: refs.products, plan, garbage: sum(garbage) };
    if (options.apply) Object.assign(report, await removeInChunks(dataDir, locked, inventory, garbage));
  } finally {
    await releaseIndexes(locked);
  }
  if (options.apply) indexes = await Promise.all(indexes.map(compactLog));
  return { ...report, indexes, elapsedMs: performance.now() - started };
}

async function removeInChunks(
  dataDir: string,
  locked: LockedIndex[],
  inventory: FsBlobInventory,
  garbage: BlobEntry[],
): Promise<Pick<GcReport, 'deleted' | 'changedSinceScan' | 'stoppedEarly'>> {
  const deleted: BlobEntry[] = [];
  let changed = 0;
  for (let at = 0; at < garbage.length; at += CHUNK) {
    const writer = await whoIsIngesting(dataDir, locked);
    if (writer) return { deleted: sum(deleted), changedSinceScan: changed, stoppedEarly: writer };
    const result = await inventory.remove(garbage.slice(at, at + CHUNK));
    deleted.push(...result.deleted);
    changed += result.changed.length;
  }
  return { deleted: sum(deleted), changedSinceScan: changed };
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
  if (foreign[0]) return `an ingestion is writing the index at ${foreign[0]}`;
  return undefined;
}

/** The log's size and its size after compaction, from the locked read-only snapshot. */
async function measureLog(index: LockedIndex): Promise<IndexLogReport> {
  const bytes = (await stat(path.join(index.dir, 'vectors.log'))).size;
  const live = index.store.compactedBytes();
  return {
    dir: index.dir,
    products: await index.store.count(),
    bytes,
    compactedBytes: live,
    compacted: false,
  };
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
    return { ...log, compactedBytes: store.compactedBytes(), compacted: true };
  } finally {
    await store.close();
  }
}

function sum(entries: BlobEntry[]): Tally {
  return { blobs: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0) };
}
