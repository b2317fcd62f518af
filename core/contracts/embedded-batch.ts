import { z } from 'zod';
import { InputError } from '#core/errors.ts';
import { parseJson } from '#core/json-bytes.ts';
import type { ImageRecord, ProductMetadata } from '#core/types.ts';
import { formatIssues } from '#core/zod-issues.ts';
import { imageRecordSchema, metadataSchema, productIdSchema } from './batch-schema.ts';

/** A product after the embed stage: its images with their final status and one vector per ok image. */
export interface EmbeddedProduct {
  id: string;
  metadata: ProductMetadata;
  /** Every catalog image in catalog order: embedded (with its vector) or failed (with why). */
  images: ImageRecord[];
}

/** What the embed stage writes per batch, under `runs/<runId>/embedded/<name>.json`. */
export interface EmbeddedBatch {
  runId: string;
  model: string;
  dim: number;
  products: EmbeddedProduct[];
}

const embeddedBatch = z.object({
  runId: z.string().min(1),
  model: z.string().min(1),
  dim: z.number().int().positive(),
  products: z.array(
    z.object({
      id: productIdSchema,
      metadata: metadataSchema,
      images: z.array(imageRecordSchema),
    }),
  ),
});

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

function readableIds(json: unknown): string[] | undefined {
  const products = (json as { products?: unknown } | null)?.products;
  if (!Array.isArray(products)) return undefined;
  const ids = products.map((p) => (p as { id?: unknown } | null)?.id).filter((id) => typeof id === 'string');
  return ids.length > 0 ? ids : undefined;
}
