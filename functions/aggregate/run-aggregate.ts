import { InvalidBatchError } from '#core/contracts/embedded-batch.ts';
import { InputError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { EmbedSettings, VectorStore } from '#core/ports/vector-store.ts';
import {
  type AggregatedBatch,
  aggregateBatch,
  type BatchContext,
  checkBatchOrigin,
} from './aggregate-batch.ts';
import type { MapResults } from './map-results.ts';
import { pruneStore } from './prune.ts';
import { addTally, emptyAggregateSummary } from './summary.ts';
import { countTags, loadTagging, type Tagging } from './tagging.ts';
import type { AggregateSummary, BatchSource, EmbeddedBatch } from './types.ts';

/** What the aggregate stage needs. */
export interface AggregateDeps {
  store: VectorStore;
  /** The model the store serves; batches from any other model are refused. */
  modelId: string;
  dim: number;
  /** Records per upsert or delete call (default 200). */
  chunkSize?: number;
  /** The settings that produced the run's vectors, recorded with each product's per-image vectors. */
  settings?: EmbedSettings;
  /**
   * Where the embed stage cached the tag vocabulary's text vectors; with it, each stored product gets its
   * auto-tags (functions/aggregate/tagging.ts). Without it products are stored untagged.
   */
  blobs?: BlobStore;
  /** THREADFINDER_TAG_MARGIN (default TAG_MARGIN_DEFAULT). */
  tagMargin?: number;
}

/** Input of the aggregate stage: one run's embedded batches, read one at a time. */
export interface AggregateInput {
  runId: string;
  /** Read in iteration order; when two batches hold the same product, the earlier one's is kept. */
  batches: Iterable<BatchSource> | AsyncIterable<BatchSource>;
  /**
   * After the upserts, delete stored products that the run's catalog does not list; never after a failed
   * batch, a batch that was not embedded, unreadable map results, or refused catalog rows.
   */
  prune?: { catalogIds: Iterable<string>; catalogErrors?: number };
  /** What the map run's results say about batches that produced no embedded batch. */
  mapResults?: MapResults;
}

/**
 * Turns each product's image vectors into one unit-length product vector and stores it, one batch at a time;
 * products with no usable image are reported, not stored. A bad batch is recorded in the summary and the
 * others are stored; a batch of another model (ModelMismatchError) stops the run before its first write.
 * The map's batches that produced no embedded batch (`mapResults`) are reported and stop a prune. Idempotent.
 */
export async function runAggregate(input: AggregateInput, deps: AggregateDeps): Promise<AggregateSummary> {
  const { runId } = input;
  if (typeof runId !== 'string' || runId === '') throw new InputError('aggregate needs a runId');
  const summary = emptyAggregateSummary(runId);
  const tagging: Tagging | undefined = deps.blobs
    ? await loadTagging(deps.blobs, deps, deps.tagMargin)
    : undefined;
  if (tagging) summary.autoTags = tagging.summary;
  const stored = new Map<string, string>();
  const chunkSize = deps.chunkSize ?? 200;
  let bound = false;
  const bind = async (): Promise<void> => {
    if (!bound) await deps.store.bind({ model: deps.modelId, dim: deps.dim });
    bound = true;
  };

  for await (const source of input.batches) {
    const ctx: BatchContext = {
      key: source.key,
      runId,
      modelId: deps.modelId,
      dim: deps.dim,
      stored,
      settings: deps.settings,
      ...(tagging?.tag && { tag: tagging.tag }),
    };
    let batch: EmbeddedBatch | undefined;
    let result: AggregatedBatch;
    try {
      batch = await source.read();
      checkBatchOrigin(batch, ctx);
      result = aggregateBatch(batch, ctx);
      await bind();
      for (let start = 0; start < result.records.length; start += chunkSize) {
        await deps.store.upsert(result.records.slice(start, start + chunkSize));
        // Per-image vectors next to the product vectors, where the store keeps them (eval, re-aggregation).
        await deps.store.putImageVectors?.(result.imageVectors.slice(start, start + chunkSize));
      }
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      const productIds =
        batch?.products.map((p) => p.id) ??
        (error instanceof InvalidBatchError ? error.productIds : undefined);
      summary.batchesFailed.push({
        key: source.key,
        error: error.message,
        ...(productIds && { productIds }),
      });
      continue;
    }
    addTally(summary, result.tally);
    if (tagging)
      countTags(
        tagging.summary,
        result.records.map((r) => r.autoTags ?? {}),
      );
    for (const id of result.ids) stored.set(id, source.key);
    if (result.duplicates.length > 0) summary.warnings.push(duplicatesWarning(source.key, result.duplicates));
  }

  if (input.mapResults) addNotEmbedded(summary, input.mapResults, stored);
  if (input.prune) await prune(input.prune, stored, summary, { ...deps, chunkSize, bind });
  return summary;
}

/** Records the map's failed batches, less any product another batch of the run stored after all. */
function addNotEmbedded(summary: AggregateSummary, results: MapResults, stored: ReadonlyMap<string, string>) {
  const products = new Set<string>();
  for (const batch of results.notEmbedded) {
    const productIds = batch.productIds.filter((id) => !stored.has(id));
    if (batch.productIds.length > 0 && productIds.length === 0) continue;
    for (const id of productIds) products.add(id);
    summary.batchesNotEmbedded.push({ ...batch, productIds });
  }
  summary.productsNotEmbedded = products.size;
  if (results.problems.length > 0) summary.mapResultsProblems = [...results.problems];
}

async function prune(
  { catalogIds, catalogErrors = 0 }: NonNullable<AggregateInput['prune']>,
  stored: ReadonlyMap<string, string>,
  summary: AggregateSummary,
  deps: { store: VectorStore; chunkSize: number; bind: () => Promise<void> },
): Promise<void> {
  const failed = summary.batchesFailed.length + summary.batchesNotEmbedded.length;
  if (failed > 0) {
    summary.pruneSkipped = `prune skipped: ${failed} ${failed === 1 ? 'batch' : 'batches'} failed`;
    return;
  }
  if (summary.mapResultsProblems) {
    summary.pruneSkipped = `prune skipped: the map run's results could not be read, so failed batches are unknown`;
    return;
  }
  if (catalogErrors > 0) {
    summary.pruneSkipped = `prune skipped: ${catalogErrors} catalog problems refused rows or values`;
    return;
  }
  const catalog = new Set(catalogIds);
  const unlisted = [...stored.keys()].filter((id) => !catalog.has(id));
  if (unlisted.length > 0) {
    summary.pruneSkipped =
      `prune skipped: ${unlisted.length} products of this run are not in its catalog list ` +
      `(${unlisted.slice(0, 3).join(', ')}), so the list cannot be trusted`;
    return;
  }
  await deps.bind();
  summary.productsPruned = await pruneStore(deps.store, catalog, deps.chunkSize);
}

function duplicatesWarning(key: string, duplicates: { id: string; keptFrom: string }[]) {
  const shown = duplicates
    .slice(0, 5)
    .map((d) => `${JSON.stringify(d.id)} (kept from ${d.keptFrom})`)
    .join(', ');
  const more = duplicates.length > 5 ? `, and ${duplicates.length - 5} more` : '';
  return {
    key,
    message: `${duplicates.length} products left out, already in this run: ${shown}${more}`,
    productIds: duplicates.map((d) => d.id),
  };
}
