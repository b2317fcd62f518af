import { mapLimit } from '../../core/concurrency.ts';
import { BlobNotFoundError, InputError } from '../../core/errors.ts';
import type { BlobStore } from '../../core/ports/blob-store.ts';
import { parseEmbeddedBatch, parseProductList } from './schema.ts';
import type { AggregateSummary, BatchSource } from './types.ts';

/** Prefix of a run's embedded batch blobs. */
export const embeddedPrefix = (runId: string): string => `runs/${runId}/embedded/`;

/** Key of a run's summary blob. */
export const summaryKey = (runId: string): string => `runs/${runId}/summary.json`;

/** Key of a run's catalog product ids, written at run start and read by a pruning aggregate. */
export const productListKey = (runId: string): string => `runs/${runId}/products.json`;

const json = (value: unknown, indent?: number) =>
  new TextEncoder().encode(`${JSON.stringify(value, null, indent)}\n`);

/** Keys of the run's `runs/<runId>/embedded/*.json` blobs, sorted; throws InputError when there are none. */
export async function listEmbeddedKeys(blobs: BlobStore, runId: string): Promise<string[]> {
  const prefix = embeddedPrefix(runId);
  const keys = (await blobs.list(prefix)).filter(
    (k) => k.endsWith('.json') && !k.slice(prefix.length).includes('/'),
  );
  if (keys.length === 0)
    throw new InputError(`run ${runId} has no embedded batches under ${prefix}`, 'empty_run');
  return keys;
}

/** A batch source that reads and parses the blob only when asked. */
export function blobBatchSource(blobs: BlobStore, key: string): BatchSource {
  return { key, read: async () => parseEmbeddedBatch(await blobs.get(key), key) };
}

/** Writes the run's catalog product ids to `runs/<runId>/products.json`. */
export async function writeProductList(blobs: BlobStore, runId: string, productIds: string[]): Promise<void> {
  await blobs.put(productListKey(runId), json({ runId, productIds }), 'application/json');
}

/** Reads the run's catalog product ids; throws InputError when the list is missing, invalid or another run's. */
export async function readProductList(blobs: BlobStore, runId: string): Promise<string[]> {
  const key = productListKey(runId);
  let bytes: Uint8Array;
  try {
    bytes = await blobs.get(key);
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    throw new InputError(
      `run ${runId} asks to prune but has no product list at ${key}; write it at run start`,
      'no_product_list',
    );
  }
  const list = parseProductList(bytes, key);
  if (list.runId !== runId)
    throw new InputError(`product list ${key} belongs to run ${list.runId}, not to run ${runId}`);
  return list.productIds;
}

/** Writes the run's summary to `runs/<runId>/summary.json`. */
export async function writeSummary(blobs: BlobStore, summary: AggregateSummary): Promise<void> {
  await blobs.put(summaryKey(summary.runId), json(summary, 2), 'application/json');
}

/** Deletes `keys`, a few at a time; returns the ones that could not be deleted, with why. */
export async function deleteBlobs(
  blobs: BlobStore,
  keys: readonly string[],
): Promise<{ key: string; error: string }[]> {
  const failed: { key: string; error: string }[] = [];
  await mapLimit(keys, 8, async (key) => {
    await blobs.delete(key).catch((error: unknown) => {
      failed.push({ key, error: error instanceof Error ? error.message : String(error) });
    });
  });
  return failed;
}
