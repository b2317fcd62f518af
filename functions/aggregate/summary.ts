import { zeroFailureCounts } from '#core/failure-reasons.ts';
import type { AggregateSummary } from './types.ts';

/** The summary of a run that stored nothing yet. */
export function emptyAggregateSummary(runId: string): AggregateSummary {
  return {
    runId,
    productsStored: 0,
    productsSkipped: [],
    productsPartial: 0,
    images: { total: 0, ok: 0, failed: zeroFailureCounts(), deferred: 0, reused: 0 },
    hostPauses: [],
    batchesStored: 0,
    batchesFailed: [],
    warnings: [],
    batchesNotEmbedded: [],
    productsNotEmbedded: 0,
    productsPruned: 0,
  };
}

/** Failed images a summary lists with their URL and detail; the rest are counted only. */
export const MAX_FAILED_IMAGES_LISTED = 5000;

/** Appends `items` to a summary's list up to MAX_FAILED_IMAGES_LISTED; returns how many did not fit. */
function appendListed<T>(list: T[], items: readonly T[]): number {
  const room = Math.max(0, MAX_FAILED_IMAGES_LISTED - list.length);
  list.push(...items.slice(0, room));
  return items.length - Math.min(room, items.length);
}

/** What one batch adds to the summary; merged only once the whole batch is stored. */
export type BatchTally = Pick<
  AggregateSummary,
  'productsStored' | 'productsSkipped' | 'productsPartial' | 'images' | 'failedImages' | 'keptImages'
>;

/** Adds a stored batch's tally to the run's summary. */
export function addTally(summary: AggregateSummary, tally: BatchTally): void {
  summary.productsStored += tally.productsStored;
  summary.productsSkipped.push(...tally.productsSkipped);
  summary.productsPartial += tally.productsPartial;
  const failed = tally.failedImages ?? [];
  if (failed.length > 0) {
    summary.failedImages ??= [];
    const notListed = appendListed(summary.failedImages, failed);
    if (notListed > 0) summary.failedImagesNotListed = (summary.failedImagesNotListed ?? 0) + notListed;
  }
  const kept = tally.keptImages ?? [];
  if (kept.length > 0) {
    summary.keptImages ??= [];
    appendListed(summary.keptImages, kept);
  }
  summary.images.total += tally.images.total;
  summary.images.ok += tally.images.ok;
  summary.images.deferred += tally.images.deferred;
  summary.images.reused += tally.images.reused;
  if (tally.images.kept) summary.images.kept = (summary.images.kept ?? 0) + tally.images.kept;
  for (const [reason, n] of Object.entries(tally.images.failed)) {
    summary.images.failed[reason as keyof typeof tally.images.failed] += n;
  }
  summary.batchesStored++;
}
