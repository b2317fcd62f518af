import { NOT_FINISHED } from '#functions/aggregate/map-result-entry.ts';
import type { AggregateSummary } from '#functions/aggregate/types.ts';
import type { IngestReport } from '#local/ingest.ts';
import { hostPauseLines } from './host-pause-lines.ts';

/** The end-of-run summary as printed lines: products stored and skipped, images ok and failed by reason. */
export function formatReport(
  report: Pick<IngestReport, 'summary' | 'seconds' | 'notProcessed' | 'outcome' | 'fault' | 'summaryMissing'>,
  catalog: {
    file: string;
    catalogErrors: number;
    problemsFile?: string;
    productsInIndex?: number;
    /** Where the run's summary is, which lists every failed image with its URL and detail. */
    summaryFile?: string;
  },
): string[] {
  const { summary, seconds } = report;
  if (report.summaryMissing) return missingSummaryLines(report, catalog);
  // A run that was stopped (Ctrl-C, a full disk) leaves its later batches unfinished: they did not fail, and
  // the line that says the run stopped counts their products.
  const stopped = report.fault !== undefined || (report.notProcessed ?? 0) > 0;
  const failedBatches = summary.batchesNotEmbedded.filter(
    (b) => !(stopped && b.error.startsWith(NOT_FINISHED)),
  );
  const failed = Object.entries(summary.images.failed).filter(([, n]) => n > 0);
  const failedTotal = failed.reduce((s, [, n]) => s + n, 0);
  const lines = [
    `Ingested ${catalog.file} in ${seconds.toFixed(1)} s (run ${summary.runId})`,
    `  products stored: ${summary.productsStored}` +
      (summary.productsPartial ? ` (${summary.productsPartial} with some images failed)` : '') +
      `, skipped: ${summary.productsSkipped.length}`,
    `  images: ${summary.images.ok} ok${okNotes(summary.images)}, ${failedTotal} failed` +
      (failed.length ? ` (${failed.map(([r, n]) => `${r} ${n}`).join(', ')})` : ''),
    ...hostPauseLines(summary.images.deferred ?? 0, summary.hostPauses ?? []),
    ...autoTagLines(summary.autoTags),
  ];
  if (summary.batchesFailed.length) {
    lines.push(`  embedded batches failed: ${summary.batchesFailed.length} (their products were not stored)`);
  }
  for (const b of summary.batchesFailed.slice(0, 10)) lines.push(`  batch ${b.key} failed: ${b.error}`);
  for (const w of summary.warnings.slice(0, 10)) lines.push(`  warning: batch ${w.key}: ${w.message}`);
  if (summary.productsPruned)
    lines.push(`  products pruned (not in this catalog): ${summary.productsPruned}`);
  if (summary.pruneSkipped) lines.push(`  ${summary.pruneSkipped}`);
  if (catalog.catalogErrors) {
    const where = catalog.problemsFile ? `listed in ${catalog.problemsFile}` : 'listed above';
    lines.push(`  catalog problems that refused a row or a value: ${catalog.catalogErrors} (${where})`);
  }
  if (report.fault) {
    const left = report.notProcessed ? `; ${report.notProcessed} products were not processed` : '';
    lines.push(`  stopped by an environment fault (${report.fault.code}) before the run was done${left}`);
  } else if (report.notProcessed) {
    lines.push(`  interrupted: ${report.notProcessed} products were not processed (run again to finish)`);
  } else if (report.outcome === 'incomplete') {
    lines.push('  the run did not complete: too many batches failed; what was embedded is stored');
  }
  for (const s of summary.productsSkipped.slice(0, 10)) {
    lines.push(`  skipped ${s.id}: ${s.reasons.join(', ')}`);
  }
  if (summary.productsSkipped.length > 10)
    lines.push(`  ... and ${summary.productsSkipped.length - 10} more`);
  lines.push(...failedImageLines(summary, catalog.summaryFile));
  lines.push(...keptImageLines(summary, catalog.summaryFile));
  for (const b of failedBatches.slice(0, 10)) {
    const ids = b.productIds.slice(0, 3).join(', ') + (b.productIds.length > 3 ? ', ...' : '');
    lines.push(
      `  batch of ${b.productIds.length} products failed (${ids}): ${b.error}${b.cause ? `: ${b.cause}` : ''}`,
    );
  }
  if (failedBatches.length > 10) lines.push(`  ... and ${failedBatches.length - 10} more failed batches`);
  return lines;
}

/** The first failed images with their URL and the download's or decoder's own words. */
function failedImageLines(summary: AggregateSummary, summaryFile: string | undefined): string[] {
  const listed = summary.failedImages ?? [];
  const total = listed.length + (summary.failedImagesNotListed ?? 0);
  const said = (f: (typeof listed)[number]) => `${f.reason}${f.detail ? `: ${f.detail.trim()}` : ''}`;
  return imageLines(listed, total, 10, 'failed', summaryFile, said);
}

/** The first images whose stored original was kept, and why revalidating failed. */
function keptImageLines(summary: AggregateSummary, summaryFile: string | undefined): string[] {
  const said = (k: { detail?: string }) => (k.detail ? k.detail.trim() : undefined);
  return imageLines(summary.keptImages ?? [], summary.images.kept ?? 0, 3, 'kept', summaryFile, said);
}

/** The first `shown` listed images as lines (`<what> image i of id (url): <said>`), then how many more, and where. */
function imageLines<T extends { index: number; productId: string; url: string }>(
  listed: readonly T[],
  total: number,
  shown: number,
  what: string,
  summaryFile: string | undefined,
  said: (entry: T) => string | undefined,
): string[] {
  const lines = listed.slice(0, shown).map((e) => {
    const words = said(e);
    return `  ${what} image ${e.index} of ${e.productId} (${e.url})${words === undefined ? '' : `: ${words}`}`;
  });
  const more = total - lines.length;
  if (more > 0)
    lines.push(`  ... and ${more} more ${what} images${summaryFile ? `, listed in ${summaryFile}` : ''}`);
  return lines;
}

/**
 * The run stopped before its aggregate step wrote a summary (a fault while storing): zeros would say nothing
 * was stored, while what the run stored before stopping is kept.
 */
function missingSummaryLines(
  report: Pick<IngestReport, 'summary' | 'seconds' | 'fault'>,
  catalog: { file: string; productsInIndex?: number },
): string[] {
  const held =
    catalog.productsInIndex === undefined ? '' : `; the index holds ${catalog.productsInIndex} products`;
  const why = report.fault ? ` by an environment fault (${report.fault.code})` : '';
  return [
    `Ingested ${catalog.file} in ${report.seconds.toFixed(1)} s (run ${report.summary.runId})`,
    `  no run summary: the run was stopped${why} before its last step wrote one; what it stored before is kept${held}`,
    '  run the same command again to finish: products already stored and cached vectors are not redone',
  ];
}

/** How many stored products got auto-tags, per group (docs/quality.md#auto-tags); why not, when skipped. */
function autoTagLines(tags: AggregateSummary['autoTags']): string[] {
  if (!tags) return [];
  if (tags.skipped) return [`  auto-tags: none (${tags.skipped})`];
  const groups = Object.entries(tags.byGroup)
    .filter(([, n]) => n > 0)
    .map(([group, n]) => `${group} ${n}`);
  return [
    `  auto-tags: ${tags.productsTagged} products tagged (margin >= ${tags.threshold})` +
      (groups.length ? `: ${groups.join(', ')}` : ''),
  ];
}

/** What the ok count includes: vectors reused from the cache, originals kept because revalidating failed. */
function okNotes(images: AggregateSummary['images']): string {
  const notes = [
    images.reused ? `${images.reused} vectors reused from the cache` : '',
    images.kept ? `${images.kept} stored originals kept: their host failed to revalidate them` : '',
  ].filter(Boolean);
  return notes.length ? ` (${notes.join('; ')})` : '';
}
