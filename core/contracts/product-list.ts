import { z } from 'zod';
import { BlobNotFoundError, InputError } from '#core/errors.ts';
import { parseJson } from '#core/json-bytes.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { formatIssues } from '#core/zod-issues.ts';
import { productIdSchema } from './batch-schema.ts';
import { productListKey } from './run-layout.ts';

const productList = z.object({
  runId: z.string().min(1),
  productIds: z.array(productIdSchema).min(1),
  catalogErrors: z.number().int().nonnegative().optional(),
});

/** The catalog's product ids of a run, written at run start to `runs/<runId>/products.json`. */
export interface ProductList {
  runId: string;
  productIds: string[];
  /** Catalog rows or values the parser refused; a pruning aggregate skips the prune when there are any. */
  catalogErrors?: number;
}

/** Parses a run's product list blob; throws InputError naming the key and the bad fields. */
export function parseProductList(bytes: Uint8Array, key: string): ProductList {
  const fail = (m: string) => new InputError(m, 'invalid_product_list');
  const parsed = productList.safeParse(parseJson(bytes, `product list ${key}`, fail));
  if (!parsed.success) throw fail(`product list ${key} is invalid: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value)}\n`);

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
