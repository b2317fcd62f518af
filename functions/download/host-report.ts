import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BlobNotFoundError } from '../../core/errors.ts';
import type { HostPause } from '../../core/host-pause.ts';
import type { BlobStore } from '../../core/ports/blob-store.ts';
import type { Batch } from '../../core/types.ts';

/** Passes of one batch at most: the last one waits for its hosts (or their budget) instead of deferring. */
export const MAX_DEFERRAL_PASSES = 20;

/** Prefix of a run's host pause reports, one per batch that saw a paused host. */
export const hostPausesPrefix = (runId: string): string => `runs/${runId}/hosts/`;

const hostPauseSchema = z.object({
  host: z.string().max(300),
  pausedMs: z.number().nonnegative(),
  pauses: z.number().int().nonnegative(),
  reasons: z.array(z.string().max(400)).max(10),
  pausedUntil: z.number().optional(),
  gaveUp: z.boolean().optional(),
});
const reportSchema = z.object({ hosts: z.array(hostPauseSchema).max(1000) });

/** Parses one host report; undefined when it is not one (the summary then leaves it out). */
export function parseHostPauses(bytes: Uint8Array): HostPause[] | undefined {
  try {
    const parsed = reportSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data.hosts : undefined;
  } catch {
    return undefined;
  }
}

/** The blob that holds what one batch saw of its paused hosts: stable across its passes and retries. */
export function hostPausesKey(batch: Batch) {
  const digest = createHash('sha256')
    .update(batch.items.map((p) => p.id).join('\n'))
    .digest('hex')
    .slice(0, 24);
  const key = `${hostPausesPrefix(batch.runId)}${digest}.json`;
  return {
    key,
    async read(blobs: BlobStore): Promise<HostPause[]> {
      try {
        return parseHostPauses(await blobs.get(key)) ?? [];
      } catch (error) {
        if (error instanceof BlobNotFoundError) return [];
        throw error;
      }
    },
    async write(blobs: BlobStore, hosts: HostPause[]): Promise<void> {
      const bytes = new TextEncoder().encode(`${JSON.stringify({ hosts })}\n`);
      await blobs.put(key, bytes, 'application/json');
    },
  };
}
