import { z } from 'zod';
import { InputError } from '#core/errors.ts';
import { FAILURE_REASONS } from '#core/failure-reasons.ts';
import type { Batch } from '#core/types.ts';
import { formatIssues } from '#core/zod-issues.ts';
import { runIdSchema } from './run-id.ts';

/** Product ids: non-empty, at most 256 characters. */
export const productIdSchema = z.string().min(1).max(256);

/** Product metadata: string or number values. */
export const metadataSchema = z.record(z.string(), z.union([z.string(), z.number()]));

const url = z.string().min(1).max(2048);
const key = z.string().min(1).max(1024);
const base = {
  url,
  detail: z.string().max(4096).optional(),
  waitedMs: z.number().int().nonnegative().optional(),
  kept: z.literal(true).optional(),
};

/** One ImageRecord as it travels between stages; every stage and the aggregate step read it with this. */
export const imageRecordSchema = z.discriminatedUnion('status', [
  z.object({ ...base, status: z.literal('pending') }).strict(),
  z
    .object({
      ...base,
      status: z.literal('failed'),
      reason: z.enum(FAILURE_REASONS),
      originalKey: key.optional(),
      maskedKey: key.optional(),
    })
    .strict(),
  z.object({ ...base, status: z.literal('downloaded'), originalKey: key }).strict(),
  z
    .object({
      ...base,
      status: z.literal('masked'),
      originalKey: key,
      maskedKey: key,
      garmentFound: z.boolean(),
    })
    .strict(),
  z
    .object({
      ...base,
      status: z.literal('embedded'),
      originalKey: key,
      maskedKey: key.optional(),
      garmentFound: z.boolean().optional(),
      vector: z
        .string()
        .min(1)
        .max(1 << 16),
      reused: z.boolean().optional(),
    })
    .strict(),
]);

const productItem = z.object({
  id: productIdSchema,
  metadata: metadataSchema.default({}),
  images: z.array(imageRecordSchema).max(50),
});

const deferralSchema = z.object({
  images: z.number().int().nonnegative(),
  waitSeconds: z.number().int().nonnegative(),
  passes: z.number().int().positive(),
  stalled: z.number().int().positive().optional(),
});

const batchSchema = z.object({
  runId: runIdSchema,
  items: z.array(productItem),
  deferral: deferralSchema.optional(),
});

/** The Distributed Map's ItemBatcher shape: `{ Items, BatchInput }`. */
const mapBatchSchema = z.object({
  Items: z.array(productItem),
  BatchInput: z.object({ runId: runIdSchema }),
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
