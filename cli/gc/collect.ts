import type { BlobStore } from '#core/ports/blob-store.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import type { BlobEntry, BlobInventory } from './inventory.ts';
import { type GcPlan, planGc, type Tally } from './plan.ts';
import { collectReferences } from './references.ts';

/** Run files younger than this stay (30 days). */
export const DEFAULT_RUN_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** Deletions between two checks that no ingestion has started meanwhile (also S3's DeleteObjects maximum). */
const CHUNK = 1000;

/** What gc works on, local or in the cloud. */
export interface GcPorts {
  /** Every index (one per embedding model): what their products reference stays. */
  stores: VectorStore[];
  blobs: BlobStore;
  inventory: BlobInventory;
  /** Names an ingestion that started meanwhile, which stops deletion; undefined when none. */
  writer(): Promise<string | undefined>;
}

/** Options of one gc. */
export interface GcOptions {
  /** Delete; otherwise only report what would go. */
  apply: boolean;
  runMaxAgeMs?: number;
  /** Spare whatever was written less than this long ago (default 0: the local gc locks out ingestions). */
  graceMs?: number;
  /** Without a `graceMs`, spare what a stopped last run made (planGc). */
  spareStoppedRun?: boolean;
  nowMs?: number;
  /** Deletions between two checks of `writer()` (default and at most 1000). */
  chunkSize?: number;
}

/** What gc found and deleted. */
export interface Collected {
  products: number;
  plan: Omit<GcPlan, 'garbage'>;
  /** What would go (dry run) or was meant to go (--apply). */
  garbage: Tally;
  /** Applied only: what was deleted, and what was spared because a writer put it again since the scan. */
  deleted?: Tally;
  changedSinceScan?: number;
  /** Applied only: why deletion stopped before the end (an ingestion started). */
  stoppedEarly?: string;
  /** Time spent per phase, ms. */
  phases: { referencesMs: number; listMs: number; deleteMs: number };
}

/**
 * Finds the blobs no product of `stores` and no current URL record references, and run files past their age;
 * with `apply`, deletes them in chunks, checking before each that no ingestion has started.
 */
export async function collectGarbage(ports: GcPorts, options: GcOptions): Promise<Collected> {
  let t = performance.now();
  const lap = () => {
    const ms = performance.now() - t;
    t = performance.now();
    return ms;
  };
  const refs = await collectReferences(ports.stores, ports.blobs);
  const referencesMs = lap();
  const { garbage, ...plan } = planGc(await ports.inventory.list(''), refs, {
    nowMs: options.nowMs ?? Date.now(),
    runMaxAgeMs: options.runMaxAgeMs ?? DEFAULT_RUN_MAX_AGE_MS,
    ...(options.graceMs !== undefined && { graceMs: options.graceMs }),
    ...(options.spareStoppedRun && { spareStoppedRun: true }),
  });
  const listMs = lap();
  const collected: Collected = {
    products: refs.products,
    plan,
    garbage: sum(garbage),
    phases: { referencesMs, listMs, deleteMs: 0 },
  };
  if (!options.apply) return collected;
  const chunk = Math.min(CHUNK, Math.max(1, Math.floor(options.chunkSize ?? CHUNK)));
  Object.assign(collected, await removeInChunks(ports, garbage, chunk));
  collected.phases.deleteMs = lap();
  return collected;
}

async function removeInChunks(
  ports: GcPorts,
  garbage: BlobEntry[],
  chunk: number,
): Promise<Pick<Collected, 'deleted' | 'changedSinceScan' | 'stoppedEarly'>> {
  const deleted: BlobEntry[] = [];
  let changed = 0;
  for (let at = 0; at < garbage.length; at += chunk) {
    const writer = await ports.writer();
    if (writer) return { deleted: sum(deleted), changedSinceScan: changed, stoppedEarly: writer };
    const result = await ports.inventory.remove(garbage.slice(at, at + chunk));
    deleted.push(...result.deleted);
    changed += result.changed.length;
  }
  return { deleted: sum(deleted), changedSinceScan: changed };
}

function sum(entries: BlobEntry[]): Tally {
  return { blobs: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0) };
}
