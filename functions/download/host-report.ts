import { batchDigest } from '#core/batch-digest.ts';
import { hostReportKey } from '#core/contracts/run-layout.ts';
import { BlobNotFoundError } from '#core/errors.ts';
import { type HostPause, parseHostPauses } from '#core/host-pause.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { Batch } from '#core/types.ts';

/**
 * Later passes of one batch that may settle none of the images handed to them: the last of them waits for its
 * hosts (or their budget) instead of handing images on, within the time its invocation has left; an image whose
 * host is still paused then fails `host_unavailable`. A pass that settles an image does not count, so a batch
 * that keeps making progress against a slow, throttling host is never cut short.
 */
export const MAX_STALLED_PASSES = 20;

/** The blob that holds what one batch saw of its paused hosts: stable across its passes and retries. */
export function hostPausesKey(batch: Batch) {
  const digest = batchDigest(batch.items.map((p) => p.id));
  const key = hostReportKey(batch.runId, digest);
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
