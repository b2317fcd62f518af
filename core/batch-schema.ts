import { z } from 'zod';
import { InputError } from './errors.ts';
import type { Batch } from './types.ts';

const failureReason = z.enum([
  'invalid_url',
  'blocked_host',
  'not_found',
  'http_error',
  'rate_limited',
  'timeout',
  'network_error',
  'too_large',
  'not_an_image',
  'corrupt_image',
  'too_many_pixels',
  'segment_failed',
  'embed_failed',
]);

const imageRecord = z.object({
  url: z.string().min(1).max(2048),
  status: z.enum(['pending', 'ok', 'failed']),
  reason: failureReason.optional(),
  detail: z.string().max(4096).optional(),
  originalKey: z.string().max(1024).optional(),
  maskedKey: z.string().max(1024).optional(),
  garmentFound: z.boolean().optional(),
});

const productItem = z.object({
  id: z.string().min(1).max(256),
  metadata: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  images: z.array(imageRecord).max(50),
});

const batchSchema = z.object({ runId: z.string().min(1).max(128), items: z.array(productItem) });

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
  const issues = error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return new InputError(`invalid batch event: ${issues}`, 'invalid_event');
}
