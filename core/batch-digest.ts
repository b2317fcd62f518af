import { createHash } from 'node:crypto';

/** A short name for a batch, stable for the same product ids: its blobs are overwritten on a retry. */
export function batchDigest(productIds: readonly string[]): string {
  return createHash('sha256').update(productIds.join('\n')).digest('hex').slice(0, 24);
}
