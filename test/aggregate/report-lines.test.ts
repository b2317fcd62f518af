import { describe, expect, it } from 'vitest';
import { formatReport } from '#cli/run-report.ts';
import { emptyAggregateSummary } from '#functions/aggregate/summary.ts';

describe('formatReport for the aggregate outcome', () => {
  it('prints failed batches, warnings and pruning', () => {
    // Prepare
    const summary = {
      ...emptyAggregateSummary('r1'),
      batchesFailed: [{ key: 'runs/r1/embedded/a.json', error: 'embedded batch a is not JSON' }],
      warnings: [{ key: 'runs/r1/embedded/b.json', message: '1 products left out', productIds: ['x'] }],
      pruneSkipped: 'prune skipped: 1 batch failed',
    };
    // Act
    const lines = formatReport(
      { summary, seconds: 1, notProcessed: 0, outcome: 'complete' },
      { file: 'c.csv', catalogErrors: 0 },
    );
    // Assess
    expect(lines).toEqual(
      expect.arrayContaining([
        '  embedded batches failed: 1 (their products were not stored)',
        '  batch runs/r1/embedded/a.json failed: embedded batch a is not JSON',
        '  warning: batch runs/r1/embedded/b.json: 1 products left out',
        '  prune skipped: 1 batch failed',
      ]),
    );
  });

  it('does not list the batches a stopped run left unfinished as failed; a batch that failed still is', () => {
    // Prepare: Ctrl-C with 40 batches not started, and one that failed on its own
    const pending = Array.from({ length: 40 }, (_, i) => ({
      productIds: [`p${i}`],
      error: 'not finished when the map run ended (PENDING)',
    }));
    const summary = {
      ...emptyAggregateSummary('r2'),
      batchesNotEmbedded: [
        ...pending,
        { productIds: ['q1', 'q2'], error: 'States.TaskFailed', cause: 'boom' },
      ],
    };
    // Act
    const stopped = formatReport(
      { summary, seconds: 1, notProcessed: 40, outcome: 'incomplete' },
      { file: 'c.csv', catalogErrors: 0 },
    );
    const ended = formatReport(
      { summary, seconds: 1, notProcessed: 0, outcome: 'incomplete' },
      { file: 'c.csv', catalogErrors: 0 },
    );
    // Assess
    expect(stopped.filter((l) => /batch/.test(l))).toEqual([
      '  batch of 2 products failed (q1, q2): States.TaskFailed: boom',
    ]);
    expect(stopped).toContain('  interrupted: 40 products were not processed (run again to finish)');
    expect(ended).toContain('  ... and 31 more failed batches');
  });

  it('does not print zeros when the run wrote no summary: it says what is kept and how many the index holds', () => {
    // Prepare: a disk that filled up while the aggregate step was storing
    const fault = Object.assign(new Error('disk full while writing /d/index'), { code: 'ENOSPC' });
    // Act
    const lines = formatReport(
      {
        summary: emptyAggregateSummary('r9'),
        seconds: 2,
        notProcessed: 0,
        outcome: 'incomplete',
        fault: fault as never,
        summaryMissing: true,
      },
      { file: 'c.csv', catalogErrors: 0, productsInIndex: 56 },
    );
    // Assess
    expect(lines.join('\n')).not.toMatch(/products stored: 0/);
    expect(lines[1]).toBe(
      '  no run summary: the run was stopped by an environment fault (ENOSPC) before its last step wrote one; ' +
        'what it stored before is kept; the index holds 56 products',
    );
  });

  it('names each failed image by product, index, URL, reason and detail, and where the rest are listed', () => {
    // Prepare
    const failedImages = Array.from({ length: 12 }, (_, i) => ({
      productId: `p${i}`,
      index: 1,
      url: `https://cdn.example/p${i}.jpg`,
      reason: 'not_an_image' as const,
      detail: 'content type is text/html, not an image\n',
    }));
    const summary = { ...emptyAggregateSummary('r1'), failedImages, failedImagesNotListed: 3 };
    // Act
    const lines = formatReport(
      { summary, seconds: 1, notProcessed: 0, outcome: 'complete' },
      { file: 'c.csv', catalogErrors: 0, summaryFile: '/d/blobs/runs/r1/summary.json' },
    );
    // Assess
    expect(lines).toContain(
      '  failed image 1 of p0 (https://cdn.example/p0.jpg): not_an_image: content type is text/html, not an image',
    );
    expect(lines.filter((l) => l.startsWith('  failed image'))).toHaveLength(10);
    expect(lines).toContain('  ... and 5 more failed images, listed in /d/blobs/runs/r1/summary.json');
  });

  it('prints how many products were pruned', () => {
    // Prepare
    const summary = { ...emptyAggregateSummary('r1'), productsPruned: 7 };
    // Act
    const lines = formatReport(
      { summary, seconds: 1, notProcessed: 0, outcome: 'complete' },
      { file: 'c.csv', catalogErrors: 0 },
    );
    // Assess
    expect(lines).toContain('  products pruned (not in this catalog): 7');
    expect(lines.some((l) => l.includes('prune skipped') || l.includes('batches failed'))).toBe(false);
  });

  it('prints a batch the state machine recorded as failed, with its products and why', () => {
    // Prepare
    const summary = {
      ...emptyAggregateSummary('r1'),
      batchesNotEmbedded: [{ productIds: ['p1', 'p2', 'p3', 'p4'], error: 'Error', cause: 'socket hang up' }],
    };
    // Act
    const lines = formatReport(
      { summary, seconds: 1, notProcessed: 0, outcome: 'complete' },
      { file: 'c.csv', catalogErrors: 0 },
    );
    // Assess
    expect(lines).toContain('  batch of 4 products failed (p1, p2, p3, ...): Error: socket hang up');
  });
});
