import { z } from 'zod';
import { runIdSchema } from '#core/contracts/run-id.ts';
import { InputError } from '#core/errors.ts';
import { formatIssues } from '#core/zod-issues.ts';
import type { MapResultsLocation } from './types.ts';

const aggregateEvent = z.object({
  runId: runIdSchema,
  prune: z.boolean().optional(),
  keepBatches: z.boolean().optional(),
  results: z.object({ Bucket: z.string(), Key: z.string().min(1).max(1024) }).optional(),
  resultsPrefix: z.string().min(1).max(1024).optional(),
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

/** Parses the aggregate event `{ runId, prune?, keepBatches?, results? }` (other fields are ignored); throws InputError. */
export function parseAggregateEvent(event: unknown): AggregateEvent {
  const parsed = aggregateEvent.safeParse(event);
  if (!parsed.success)
    throw new InputError(`invalid aggregate event: ${formatIssues(parsed.error)}`, 'invalid_event');
  return parsed.data;
}
