import middy from '@middy/core';
import { depsGetter } from '../../core/lazy.ts';
import type { BlobStore } from '../../core/ports/blob-store.ts';
import { type AggregateDeps, runAggregate } from './run-aggregate.ts';
import {
  blobBatchSource,
  deleteBlobs,
  listEmbeddedKeys,
  readProductList,
  writeSummary,
} from './run-blobs.ts';
import { parseAggregateEvent } from './schema.ts';
import type { AggregateSummary } from './types.ts';

/** What the aggregate handler needs: the core's deps plus the blob store holding the run's batches. */
export interface AggregateHandlerDeps extends AggregateDeps {
  blobs: BlobStore;
}

/**
 * Builds the aggregate Lambda handler: `{ runId, prune?, keepBatches? }` in, the run's summary out (also
 * written to `runs/<runId>/summary.json`). Batches are read one at a time; once the summary is written, the
 * blobs of the stored batches are deleted unless `keepBatches` (failed ones stay, for inspection).
 * InputError and ModelMismatchError must not be retried.
 */
export function createAggregateHandler(deps: AggregateHandlerDeps | (() => Promise<AggregateHandlerDeps>)) {
  const getDeps = depsGetter(deps);
  return middy(async (event: unknown): Promise<AggregateSummary> => {
    const { runId, prune, keepBatches } = parseAggregateEvent(event);
    const d = await getDeps();
    const keys = await listEmbeddedKeys(d.blobs, runId);
    const catalogIds = prune ? await readProductList(d.blobs, runId) : undefined;
    const batches = keys.map((key) => blobBatchSource(d.blobs, key));
    const summary = await runAggregate({ runId, batches, ...(catalogIds && { prune: { catalogIds } }) }, d);
    await writeSummary(d.blobs, summary);
    if (keepBatches) return summary;
    const failed = new Set(summary.batchesFailed.map((b) => b.key));
    const notDeleted = await deleteBlobs(
      d.blobs,
      keys.filter((k) => !failed.has(k)),
    );
    if (notDeleted.length === 0) return summary;
    summary.batchesNotDeleted = notDeleted;
    await writeSummary(d.blobs, summary);
    return summary;
  });
}
