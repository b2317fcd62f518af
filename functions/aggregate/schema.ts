import { z } from 'zod';
import { imageRecordSchema, metadataSchema, productIdSchema } from '#core/batch-schema.ts';
import { InputError } from '#core/errors.ts';
import { formatIssues } from '#core/zod-issues.ts';
import type { EmbeddedBatch, MapResultsLocation } from './types.ts';

/** Run ids become blob key segments, so they are restricted to a safe alphabet. */
export const runIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'expected 1-128 letters, digits, ".", "_" or "-"');

const embeddedBatch = z.object({
  runId: z.string().min(1),
  model: z.string().min(1),
  dim: z.number().int().positive(),
  products: z.array(
    z.object({
      id: productIdSchema,
      metadata: metadataSchema,
      images: z.array(imageRecordSchema),
      vectors: z.array(z.string()),
    }),
  ),
});

const aggregateEvent = z.object({
  runId: runIdSchema,
  prune: z.boolean().optional(),
  keepBatches: z.boolean().optional(),
  results: z.object({ Bucket: z.string(), Key: z.string().min(1).max(1024) }).optional(),
  resultsPrefix: z.string().min(1).max(1024).optional(),
});

const productList = z.object({
  runId: z.string().min(1),
  productIds: z.array(productIdSchema).min(1),
  catalogErrors: z.number().int().nonnegative().optional(),
});

/** The aggregate event: which run, and what to do beyond storing its batches. */
export interface AggregateEvent {
  runId: string;
  /** Delete stored products missing from `runs/<runId>/products.json` (skipped when a batch failed). */
  prune?: boolean;
  /** Keep the run's embedded batch blobs instead of deleting the stored ones. */
  keepBatches?: boolean;
  /** The Distributed Map's ResultWriterDetails: which batches failed or never ran. */
  results?: MapResultsLocation;
  /**
   * Where the Map's ResultWriter writes (`map-results/<runId>`): read when `results` is absent because the Map
   * itself failed, so the batches it recorded as failed are still reported.
   */
  resultsPrefix?: string;
}

/** The catalog's product ids of a run, written at run start to `runs/<runId>/products.json`. */
export interface ProductList {
  runId: string;
  productIds: string[];
  /** Catalog rows or values the parser refused; a pruning aggregate skips the prune when there are any. */
  catalogErrors?: number;
}

/** An embedded batch blob that cannot be used; carries its product ids when they could be read. */
export class InvalidBatchError extends InputError {
  override name = 'InvalidBatchError';
  constructor(
    message: string,
    readonly productIds?: string[],
  ) {
    super(message, 'invalid_batch');
  }
}

/** Parses JSON bytes; `fail` builds the error thrown for bad JSON. */
export function parseJson(bytes: Uint8Array, what: string, fail: (message: string) => Error): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw fail(`${what} is not JSON: ${(error as Error).message}`);
  }
}

/** Parses the aggregate event `{ runId, prune?, keepBatches?, results? }` (other fields are ignored); throws InputError. */
export function parseAggregateEvent(event: unknown): AggregateEvent {
  const parsed = aggregateEvent.safeParse(event);
  if (!parsed.success)
    throw new InputError(`invalid aggregate event: ${formatIssues(parsed.error)}`, 'invalid_event');
  return parsed.data;
}

/** Parses one embedded batch blob; throws InvalidBatchError naming the key and the bad fields. */
export function parseEmbeddedBatch(bytes: Uint8Array, key: string): EmbeddedBatch {
  const json = parseJson(bytes, `embedded batch ${key}`, (m) => new InvalidBatchError(m));
  const parsed = embeddedBatch.safeParse(json);
  if (!parsed.success) {
    throw new InvalidBatchError(
      `embedded batch ${key} is invalid: ${formatIssues(parsed.error)}`,
      readableIds(json),
    );
  }
  return parsed.data;
}

/** Parses a run's product list blob; throws InputError naming the key and the bad fields. */
export function parseProductList(bytes: Uint8Array, key: string): ProductList {
  const fail = (m: string) => new InputError(m, 'invalid_product_list');
  const parsed = productList.safeParse(parseJson(bytes, `product list ${key}`, fail));
  if (!parsed.success) throw fail(`product list ${key} is invalid: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

function readableIds(json: unknown): string[] | undefined {
  const products = (json as { products?: unknown } | null)?.products;
  if (!Array.isArray(products)) return undefined;
  const ids = products.map((p) => (p as { id?: unknown } | null)?.id).filter((id) => typeof id === 'string');
  return ids.length > 0 ? ids : undefined;
}
