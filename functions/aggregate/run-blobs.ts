import { mapLimit } from '#core/concurrency.ts';
import { BlobNotFoundError, InputError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { type ProductList, parseEmbeddedBatch, parseProductList } from './schema.ts';
import type { AggregateSummary, BatchSource } from './types.ts';

/** Prefix of a run's embedded batch blobs. */
export const embeddedPrefix = (runId: string): string => `runs/${runId}/embedded/`;

/** Key of a run's summary blob. */
export const summaryKey = (runId: string): string => `runs/${runId}/summary.json`;

/** Key of a run's catalog product ids, written at run start and read by a pruning aggregate. */
export const productListKey = (runId: string): string => `runs/${runId}/products.json`;

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
  return { key, read: async () => parseEmbeddedBatch(await blobs.get(key), key) };
}

/**
 * Writes the run's catalog product ids to `runs/<runId>/products.json`, with how many catalog rows or values
 * were refused (a pruning aggregate then skips the prune: a refused row may be a product still listed).
 */
export async function writeProductList(
  blobs: BlobStore,
  runId: string,
  productIds: string[],
  options: { catalogErrors?: number } = {},
): Promise<void> {
  const list: ProductList = {
    runId,
    productIds,
    ...(options.catalogErrors && { catalogErrors: options.catalogErrors }),
  };
  await blobs.put(productListKey(runId), json(list), 'application/json');
}

/** Reads the run's product list; throws InputError when the list is missing, invalid or another run's. */
export async function readProductList(blobs: BlobStore, runId: string): Promise<ProductList> {
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
  return list;
}

/** Reads the run's full summary from `runs/<runId>/summary.json` (the aggregate Lambda returns a compact one). */
export async function readSummary(blobs: BlobStore, runId: string): Promise<AggregateSummary> {
  return JSON.parse(new TextDecoder().decode(await blobs.get(summaryKey(runId)))) as AggregateSummary;
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
