import { z } from 'zod';
import { InputError } from '../../core/errors.ts';
import { FAILURE_REASONS } from './failure-counts.ts';
import type { EmbeddedBatch } from './types.ts';

/** Run ids become blob key segments, so they are restricted to a safe alphabet. */
export const runIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'expected 1-128 letters, digits, ".", "_" or "-"');

const imageRecord = z.object({
  url: z.string().min(1).max(2048),
  status: z.enum(['pending', 'ok', 'failed']),
  reason: z.enum(FAILURE_REASONS).optional(),
  detail: z.string().optional(),
  originalKey: z.string().optional(),
  maskedKey: z.string().optional(),
  garmentFound: z.boolean().optional(),
});

const embeddedBatch = z.object({
  runId: z.string().min(1),
  model: z.string().min(1),
  dim: z.number().int().positive(),
  products: z.array(
    z.object({
      id: z.string().min(1).max(256),
      metadata: z.record(z.string(), z.union([z.string(), z.number()])),
      images: z.array(imageRecord),
      vectors: z.array(z.string()),
    }),
  ),
});

const aggregateEvent = z.object({ runId: runIdSchema });

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Parses the aggregate event `{ runId }` (other fields are ignored); throws InputError. */
export function parseAggregateEvent(event: unknown): { runId: string } {
  const parsed = aggregateEvent.safeParse(event);
  if (!parsed.success)
    throw new InputError(`invalid aggregate event: ${describeIssues(parsed.error)}`, 'invalid_event');
  return parsed.data;
}

/** Parses one embedded batch blob; throws InputError naming the key and the bad fields. */
export function parseEmbeddedBatch(bytes: Uint8Array, key: string): EmbeddedBatch {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new InputError(`embedded batch ${key} is not JSON: ${(error as Error).message}`, 'invalid_batch');
  }
  const parsed = embeddedBatch.safeParse(json);
  if (!parsed.success) {
    throw new InputError(
      `embedded batch ${key} is invalid: ${describeIssues(parsed.error)}`,
      'invalid_batch',
    );
  }
  return parsed.data;
}
