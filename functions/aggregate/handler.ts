import middy from '@middy/core';
import { InputError } from '../../core/errors.ts';
import { depsGetter } from '../../core/lazy.ts';
import type { BlobStore } from '../../core/ports/blob-store.ts';
import { type AggregateDeps, runAggregate } from './run-aggregate.ts';
import { parseAggregateEvent, parseEmbeddedBatch } from './schema.ts';
import type { AggregateSummary, EmbeddedBatch } from './types.ts';

/** What the aggregate handler needs: the core's deps plus the blob store holding the run's batches. */
export interface AggregateHandlerDeps extends AggregateDeps {
  blobs: BlobStore;
}

/** Prefix of a run's embedded batch blobs. */
export const embeddedPrefix = (runId: string): string => `runs/${runId}/embedded/`;

/** Key of a run's summary blob. */
export const summaryKey = (runId: string): string => `runs/${runId}/summary.json`;

/** Reads every `runs/<runId>/embedded/*.json` blob, in key order. */
export async function readEmbeddedBatches(blobs: BlobStore, runId: string): Promise<EmbeddedBatch[]> {
  const prefix = embeddedPrefix(runId);
  const keys = (await blobs.list(prefix)).filter(
    (k) => k.endsWith('.json') && !k.slice(prefix.length).includes('/'),
  );
  if (keys.length === 0)
    throw new InputError(`run ${runId} has no embedded batches under ${prefix}`, 'empty_run');
  const batches: EmbeddedBatch[] = [];
  for (const key of keys) batches.push(parseEmbeddedBatch(await blobs.get(key), key));
  return batches;
}

/**
 * Builds the aggregate Lambda handler: `{ runId }` in, the run's summary out (also written to
 * `runs/<runId>/summary.json`). InputError and ModelMismatchError must not be retried.
 */
export function createAggregateHandler(deps: AggregateHandlerDeps | (() => Promise<AggregateHandlerDeps>)) {
  const getDeps = depsGetter(deps);
  return middy(async (event: unknown): Promise<AggregateSummary> => {
    const { runId } = parseAggregateEvent(event);
    const d = await getDeps();
    const summary = await runAggregate({ runId, batches: await readEmbeddedBatches(d.blobs, runId) }, d);
    const json = new TextEncoder().encode(`${JSON.stringify(summary, null, 2)}\n`);
    await d.blobs.put(summaryKey(runId), json, 'application/json');
    return summary;
  });
}
