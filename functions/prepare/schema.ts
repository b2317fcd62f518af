import { z } from 'zod';
import { CATALOG_LIMITS } from '#core/catalog/index.ts';
import { runIdSchema } from '#core/contracts/run-id.ts';
import { InputError } from '#core/errors.ts';
import { formatIssues } from '#core/zod-issues.ts';

/** How long a run's lock lasts unless the event says otherwise: the state machine's own timeout (24 h). */
export const DEFAULT_LOCK_TTL_SECONDS = 24 * 60 * 60;

const flatEvent = z.object({
  runId: runIdSchema,
  prune: z.boolean().optional(),
  catalogKey: z.string().min(1).max(1024),
  lockTtlSeconds: z
    .number()
    .int()
    .positive()
    .max(366 * DEFAULT_LOCK_TTL_SECONDS)
    .optional(),
  catalog: z
    .object({
      format: z.enum(['auto', 'urls', 'csv', 'jsonl']).optional(),
      groupSize: z.number().int().min(1).max(CATALOG_LIMITS.maxImagesPerProduct).optional(),
      name: z.string().min(1).max(1024).optional(),
    })
    .optional(),
});

/** The state machine passes the execution's whole input as `input`, next to the run id from its context. */
const prepareEvent = z.preprocess((event) => {
  if (typeof event !== 'object' || event === null || !('input' in event)) return event;
  const { input, ...rest } = event as { input: unknown };
  return typeof input === 'object' && input !== null ? { ...input, ...rest } : event;
}, flatEvent);

/** The prepare event: the run, and where its catalog lies in the blob store. */
export interface PrepareEvent {
  /** The execution's name; becomes the `runs/<runId>/` prefix. */
  runId: string;
  /** Blob key of the catalog, e.g. `catalogs/spring.csv`. */
  catalogKey: string;
  /** Whether the aggregate step should delete stored products the catalog no longer lists (default false). */
  prune?: boolean;
  /** How long the run's lock holds before another run may take it (default 24 h). */
  lockTtlSeconds?: number;
  /** How to read the catalog: its format (default auto-detected), URLs per product, and the name messages use. */
  catalog?: CatalogOptions;
}

/** Parsing choices of one catalog; `name` (default the catalog key) is what `file:line` messages show. */
export interface CatalogOptions {
  format?: 'auto' | 'urls' | 'csv' | 'jsonl';
  groupSize?: number;
  name?: string;
}

/**
 * Parses `{ runId, catalogKey, prune?, catalog?, lockTtlSeconds? }`, or `{ runId, input: <execution input> }`
 * as the state machine sends it (other fields are ignored); throws InputError.
 */
export function parsePrepareEvent(event: unknown): PrepareEvent {
  const parsed = prepareEvent.safeParse(event);
  if (!parsed.success)
    throw new InputError(`invalid prepare event: ${formatIssues(parsed.error)}`, 'invalid_event');
  return parsed.data;
}
