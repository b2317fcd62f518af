import { mapLimit } from '#core/concurrency.ts';
import { InvalidBatchError, parseEmbeddedBatch } from '#core/contracts/embedded-batch.ts';
import { aggregatedKey, embeddedPrefix, summaryKey } from '#core/contracts/run-layout.ts';
import { BlobNotFoundError, InputError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { AggregateSummary, BatchSource } from './types.ts';

const json = (value: unknown, indent?: number) =>
  new TextEncoder().encode(`${JSON.stringify(value, null, indent)}\n`);

/**
 * Keys of the run's `runs/<runId>/embedded/*.json` blobs, sorted; throws InputError when there are none,
 * unless `allowEmpty` (a run whose every batch failed still gets a summary).
 */
export async function listEmbeddedKeys(
  blobs: BlobStore,
  runId: string,
  options: { allowEmpty?: boolean } = {},
): Promise<string[]> {
  const prefix = embeddedPrefix(runId);
  const keys = (await blobs.list(prefix)).filter(
    (k) => k.endsWith('.json') && !k.slice(prefix.length).includes('/'),
  );
  if (keys.length === 0 && !options.allowEmpty)
    throw new InputError(`run ${runId} has no embedded batches under ${prefix}`, 'empty_run');
  return keys;
}

/** A batch source that reads and parses the blob only when asked. */
export function blobBatchSource(blobs: BlobStore, key: string): BatchSource {
  return {
    key,
    read: async () => {
      const bytes = await blobs.get(key).catch((error: unknown) => {
        if (!(error instanceof BlobNotFoundError)) throw error;
        throw new InvalidBatchError(
          `embedded batch ${key} is missing (its child execution reported it written)`,
        );
      });
      return parseEmbeddedBatch(bytes, key);
    },
  };
}

/** Reads the run's full summary from `runs/<runId>/summary.json` (the aggregate Lambda returns a compact one). */
export async function readSummary(blobs: BlobStore, runId: string): Promise<AggregateSummary> {
  return JSON.parse(new TextDecoder().decode(await blobs.get(summaryKey(runId)))) as AggregateSummary;
}

/** Records the embedded batches an aggregation stored, before it writes the summary (see completedAggregation). */
export async function writeAggregated(
  blobs: BlobStore,
  runId: string,
  keys: readonly string[],
): Promise<void> {
  await blobs.put(aggregatedKey(runId), json({ keys }), 'application/json');
}

/**
 * The summary of an aggregation of the run that completed, with the embedded batches it stored; undefined when
 * none did (no record, or no summary after it: it stopped before the end).
 */
export async function completedAggregation(
  blobs: BlobStore,
  runId: string,
): Promise<{ keys: Set<string>; summary: AggregateSummary } | undefined> {
  const missing = (error: unknown) => {
    if (error instanceof BlobNotFoundError) return undefined;
    throw error;
  };
  const record = await blobs.get(aggregatedKey(runId)).catch(missing);
  if (!record) return undefined;
  const summary = await readSummary(blobs, runId).catch(missing);
  if (!summary) return undefined;
  const keys = (JSON.parse(new TextDecoder().decode(record)) as { keys?: unknown }).keys;
  return Array.isArray(keys) ? { keys: new Set(keys.map(String)), summary } : undefined;
}

/** Writes the run's summary to `runs/<runId>/summary.json`. */
export async function writeSummary(blobs: BlobStore, summary: AggregateSummary): Promise<void> {
  await blobs.put(summaryKey(summary.runId), json(summary, 2), 'application/json');
}

/** Deletes `keys`, a few at a time; returns the ones that could not be deleted, with why, in the keys' order. */
export async function deleteBlobs(
  blobs: BlobStore,
  keys: readonly string[],
): Promise<{ key: string; error: string }[]> {
  // Each key's outcome in its own slot, so the list keeps the keys' order, not the order deletions finished in.
  const errors = await mapLimit(keys, 8, (key) =>
    blobs.delete(key).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    ),
  );
  return keys.flatMap((key, i) => {
    const error = errors[i];
    return error === undefined ? [] : [{ key, error }];
  });
}
