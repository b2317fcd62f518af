import { parseProductList } from '#core/contracts/product-list.ts';
import { PREFIXES, productListKey, summaryKey, tagVocabularyKey } from '#core/contracts/run-layout.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { AggregateSummary } from '#functions/aggregate/types.ts';

/** What one run recorded about the products of an index. */
export interface RunRecord {
  runId: string;
  /** The catalog's product ids (`products.json`), null when the list is missing or unreadable. */
  catalog: string[] | null;
  /**
   * The products the run stored: its catalog less what its summary says it skipped or failed; null when it has
   * no summary (interrupted, or running) or the summary does not add up (products of a batch it cannot name).
   */
  stored: string[] | null;
  /** True when the run pruned: it deleted every stored product its catalog did not list. */
  pruned: boolean;
}

/**
 * The runs of a data dir that wrote to the index of `modelId`, oldest first (run ids start with their start
 * time). A run whose summary names another model's tag vocabulary wrote to that model's index and is left out;
 * one whose summary names none is taken to be this index's.
 */
export async function readRunRecords(blobs: BlobStore, modelId: string): Promise<RunRecord[]> {
  const runIds = new Set<string>();
  for (const key of await blobs.list(PREFIXES.runs)) {
    const m = /^runs\/([^/]+)\/(?:products|summary)\.json$/.exec(key);
    if (m?.[1]) runIds.add(m[1]);
  }
  const records: RunRecord[] = [];
  for (const runId of [...runIds].sort()) {
    const catalog = await readCatalogIds(blobs, runId);
    const summary = await readJson(blobs, summaryKey(runId));
    if (summary !== null && !ofModel(summary, modelId)) continue;
    records.push({
      runId,
      catalog,
      stored: summary === null || catalog === null ? null : storedBy(summary, catalog),
      pruned: summary !== null && Number(summary.productsPruned) > 0,
    });
  }
  return records;
}

/** What the runs say the index should hold now. */
export interface RunExpectations {
  /** Products the runs stored that no later pruning run removed, with the last run that stored each. */
  stored: Map<string, string>;
  /**
   * Every product the index may hold: since the latest pruning run, that run's catalog and every later run's
   * (finished or not); with no pruning run, every run's catalog. Null when a catalog that counts is unreadable.
   */
  listed: Set<string> | null;
  /** The latest run that pruned, whose catalog bounds `listed`; null when none did. */
  prunedBy: string | null;
}

/** Replays the runs in order: what each stored is added, and what a prune removed is taken away. */
export function expectationsOf(runs: RunRecord[]): RunExpectations {
  const stored = new Map<string, string>();
  let listed: Set<string> | null = new Set();
  let prunedBy: string | null = null;
  for (const run of runs) {
    for (const id of run.stored ?? []) stored.set(id, run.runId);
    if (run.pruned) {
      const kept = run.catalog === null ? null : new Set(run.catalog);
      // A prune whose catalog is unreadable removed what cannot be known: expect nothing stored before it.
      for (const id of stored.keys()) if (!kept?.has(id)) stored.delete(id);
      listed = kept;
      prunedBy = kept === null ? null : run.runId;
    } else if (listed !== null) {
      if (run.catalog === null) listed = null;
      else for (const id of run.catalog) listed.add(id);
    }
  }
  return { stored, listed, prunedBy };
}

type Summary = Partial<Record<keyof AggregateSummary, unknown>>;

/** The run's catalog less what its summary says was not stored; null when that does not add up. */
function storedBy(summary: Summary, catalog: string[]): string[] | null {
  const notStored = new Set<string>();
  let unnamed = false;
  const add = (ids: unknown) => {
    if (!Array.isArray(ids)) unnamed = true;
    else for (const id of ids) if (typeof id === 'string') notStored.add(id);
  };
  add(asArray(summary.productsSkipped).map((p) => (p as { id?: unknown })?.id));
  for (const batch of asArray(summary.batchesFailed)) add((batch as { productIds?: unknown })?.productIds);
  for (const batch of asArray(summary.batchesNotEmbedded)) {
    const ids = (batch as { productIds?: unknown })?.productIds;
    add(Array.isArray(ids) && ids.length > 0 ? ids : undefined);
  }
  const stored = [...new Set(catalog)].filter((id) => !notStored.has(id));
  return unnamed || summary.productsStored !== stored.length ? null : stored;
}

/** False when the summary's tag vocabulary is another model's: the run wrote to that model's index. */
function ofModel(summary: Summary, modelId: string): boolean {
  const key = (summary.autoTags as { key?: unknown } | undefined)?.key;
  if (typeof key !== 'string') return true;
  const [prefix = '', suffix = ''] = tagVocabularyKey(modelId, '\0').split('\0');
  const hash = key.slice(prefix.length, key.length - suffix.length);
  return key.startsWith(prefix) && key.endsWith(suffix) && /^[0-9a-f]+$/.test(hash);
}

async function readCatalogIds(blobs: BlobStore, runId: string): Promise<string[] | null> {
  const key = productListKey(runId);
  try {
    const list = parseProductList(await blobs.get(key), key);
    return list.runId === runId ? list.productIds : null;
  } catch {
    return null;
  }
}

async function readJson(blobs: BlobStore, key: string): Promise<Summary | null> {
  try {
    const value: unknown = JSON.parse(Buffer.from(await blobs.get(key)).toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Summary) : null;
  } catch {
    return null;
  }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
