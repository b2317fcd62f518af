import { summaryKey } from '#core/contracts/run-layout.ts';
import { cut } from './map-result-entry.ts';
import type { AggregateSummary, CompactAggregateSummary } from './types.ts';

/** Largest compact summary, in bytes of JSON: far below the state machine's 256 KB payload limit. */
export const MAX_COMPACT_BYTES = 64 * 1024;

const ENTRY_CAPS = [20, 10, 5, 2, 1, 0];
const IDS_SHOWN = 5;
const TEXT = 300;

/**
 * The summary's counts and the first entries of each list, as many as fit in `maxBytes` of JSON (at most 20
 * per list); product id lists show their first few ids, texts are cut short.
 */
export function compactSummary(
  summary: AggregateSummary,
  maxBytes = MAX_COMPACT_BYTES,
): CompactAggregateSummary {
  let compact = withEntries(summary, ENTRY_CAPS[0] as number);
  for (const cap of ENTRY_CAPS.slice(1)) {
    if (JSON.stringify(compact).length <= maxBytes) break;
    compact = withEntries(summary, cap);
  }
  return compact;
}

function withEntries(s: AggregateSummary, n: number): CompactAggregateSummary {
  const ids = (productIds: string[]) => productIds.slice(0, IDS_SHOWN);
  return {
    runId: s.runId,
    summaryKey: summaryKey(s.runId),
    productsStored: s.productsStored,
    productsPartial: s.productsPartial,
    productsSkipped: s.productsSkipped.length,
    productsNotEmbedded: s.productsNotEmbedded,
    productsPruned: s.productsPruned,
    images: s.images,
    hostPauses: s.hostPauses.slice(0, n).map((h) => ({ ...h, reasons: h.reasons.map((r) => cut(r, TEXT)) })),
    batchesStored: s.batchesStored,
    batchesFailed: s.batchesFailed.length,
    batchesNotEmbedded: s.batchesNotEmbedded.length,
    batchesFailedPercent: failedPercent(s),
    warnings: s.warnings.length,
    ...(s.pruneSkipped !== undefined && { pruneSkipped: cut(s.pruneSkipped, TEXT) }),
    ...(s.mapResultsProblems && {
      mapResultsProblems: s.mapResultsProblems.slice(0, n).map((p) => cut(p, TEXT)),
    }),
    ...(s.batchesNotDeleted && { batchesNotDeleted: s.batchesNotDeleted.length }),
    first: {
      productsSkipped: s.productsSkipped.slice(0, n),
      batchesFailed: s.batchesFailed.slice(0, n).map((b) => ({
        key: b.key,
        error: cut(b.error, TEXT),
        ...(b.productIds && { productIds: ids(b.productIds), productCount: b.productIds.length }),
      })),
      batchesNotEmbedded: s.batchesNotEmbedded.slice(0, n).map((b) => ({
        productIds: ids(b.productIds),
        productCount: b.productIds.length,
        error: cut(b.error, TEXT),
        ...(b.cause !== undefined && { cause: cut(b.cause, TEXT) }),
        ...(b.execution !== undefined && { execution: b.execution }),
      })),
      warnings: s.warnings.slice(0, n).map((w) => ({
        key: w.key,
        message: cut(w.message, TEXT),
        productIds: ids(w.productIds),
        productCount: w.productIds.length,
      })),
    },
  };
}

/** Failed batches as a share of all batches, in percent (two decimals). */
export function failedPercent(s: AggregateSummary): number {
  const failed = s.batchesFailed.length + s.batchesNotEmbedded.length;
  const total = failed + s.batchesStored;
  return total === 0 ? 0 : Math.round((failed * 10_000) / total) / 100;
}
