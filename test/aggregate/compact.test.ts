import { describe, expect, it } from 'vitest';
import { compactSummary } from '#functions/aggregate/compact.ts';
import { emptyAggregateSummary } from '#functions/aggregate/summary.ts';
import type { AggregateSummary } from '#functions/aggregate/types.ts';

const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i}-${'x'.repeat(240)}`);

/** The summary of a catalog of 47,000 products in 2,350 batches of 20 that went about as wrong as it can. */
function disastrousRun(): AggregateSummary {
  const summary = emptyAggregateSummary('big');
  for (let b = 0; b < 800; b++) {
    summary.batchesFailed.push({
      key: `runs/big/embedded/${b}.json`,
      error: 'e'.repeat(4000),
      productIds: ids(`f${b}`, 20),
    });
    summary.batchesNotEmbedded.push({
      productIds: ids(`n${b}`, 20),
      error: 'Lambda.Unknown',
      cause: 'c'.repeat(2000),
    });
    summary.warnings.push({
      key: `runs/big/embedded/w${b}.json`,
      message: 'm'.repeat(3000),
      productIds: ids(`w${b}`, 20),
    });
  }
  for (let p = 0; p < 15_000; p++)
    summary.productsSkipped.push({ id: ids(`s${p}`, 1)[0] as string, reasons: Array(20).fill('timeout') });
  summary.productsNotEmbedded = 16_000;
  summary.mapResultsProblems = Array.from({ length: 100 }, (_, i) => `problem ${i} ${'p'.repeat(1000)}`);
  return summary;
}

describe('compact aggregate summary', () => {
  it('stays far below the 256 KB state limit however large the run summary is, keeping the counts', () => {
    // Prepare
    const summary = disastrousRun();
    // Act
    const compact = compactSummary(summary);
    // Assess
    expect(JSON.stringify(compact).length).toBeLessThanOrEqual(64 * 1024);
    expect(compact).toMatchObject({
      summaryKey: 'runs/big/summary.json',
      productsSkipped: 15_000,
      productsNotEmbedded: 16_000,
      batchesFailed: 800,
      batchesNotEmbedded: 800,
      warnings: 800,
    });
    expect(compact.first.batchesNotEmbedded.length).toBeGreaterThan(0);
    expect(compact.first.batchesNotEmbedded[0]?.productCount).toBe(20);
  });

  it('shows the first 20 entries of each list of a small run in full', () => {
    // Prepare
    const summary = emptyAggregateSummary('r1');
    for (let b = 0; b < 30; b++)
      summary.batchesNotEmbedded.push({ productIds: [`p${b}`], error: 'States.TaskFailed' });
    // Act
    const compact = compactSummary(summary);
    // Assess
    expect(compact.first.batchesNotEmbedded).toEqual(
      summary.batchesNotEmbedded.slice(0, 20).map((b) => ({ ...b, productCount: 1 })),
    );
  });
});
