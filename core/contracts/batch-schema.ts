import { z } from 'zod';
import { InputError } from '#core/errors.ts';
import { FAILURE_REASONS } from '#core/failure-reasons.ts';
import type { Batch } from '#core/types.ts';
import { formatIssues } from '#core/zod-issues.ts';

/** Product ids: non-empty, at most 256 characters. */
export const productIdSchema = z.string().min(1).max(256);

/** Product metadata: string or number values. */
export const metadataSchema = z.record(z.string(), z.union([z.string(), z.number()]));

/** One ImageRecord as it travels between stages; every stage and the aggregate step read it with this. */
export const imageRecordSchema = z.object({
  url: z.string().min(1).max(2048),
  status: z.enum(['pending', 'ok', 'failed']),
  reason: z.enum(FAILURE_REASONS).optional(),
  detail: z.string().max(4096).optional(),
  originalKey: z.string().max(1024).optional(),
  maskedKey: z.string().max(1024).optional(),
  garmentFound: z.boolean().optional(),
  waitedMs: z.number().int().nonnegative().optional(),
});

const productItem = z.object({
  id: productIdSchema,
  metadata: metadataSchema.default({}),
  images: z.array(imageRecordSchema).max(50),
});

const deferralSchema = z.object({
  images: z.number().int().nonnegative(),
  waitSeconds: z.number().int().nonnegative(),
  passes: z.number().int().positive(),
});

const batchSchema = z.object({
  runId: z.string().min(1).max(128),
  items: z.array(productItem),
  deferral: deferralSchema.optional(),
});

/** The Distributed Map's ItemBatcher shape: `{ Items, BatchInput }`. */
const mapBatchSchema = z.object({
  Items: z.array(productItem),
  BatchInput: z.object({ runId: z.string().min(1).max(128) }),
});

/** Parses a stage event: a Batch, or the Distributed Map's `{ Items, BatchInput }`. Throws InputError. */
export function parseBatchEvent(event: unknown): Batch {
  const isMapShape = typeof event === 'object' && event !== null && 'Items' in event;
  if (isMapShape) {
    const mapped = mapBatchSchema.safeParse(event);
    if (mapped.success) return { runId: mapped.data.BatchInput.runId, items: mapped.data.Items };
    throw invalid(mapped.error);
  }
  const direct = batchSchema.safeParse(event);
  if (direct.success) return direct.data;
  throw invalid(direct.error);
}

function invalid(error: z.ZodError): InputError {
  return new InputError(`invalid batch event: ${formatIssues(error)}`, 'invalid_event');
}
