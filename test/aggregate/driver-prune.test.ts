import { describe, expect, it } from 'vitest';
import type { Batch, CatalogProduct } from '../../core/types.ts';
import { emptyAggregateSummary } from '../../functions/aggregate/summary.ts';
import { ingestProducts } from '../../local/ingest.ts';
import type { StageHandlers } from '../../local/stage-handlers.ts';

const products: CatalogProduct[] = ['p0', 'p1', 'p2'].map((id) => ({
  id,
  images: ['https://cdn.example/x.jpg'],
  metadata: {},
}));

/** Stage handlers that log what the driver asks of them; downloads of `failing` products always fail. */
function loggingHandlers(failing = '') {
  const calls: unknown[] = [];
  const handlers: StageHandlers = {
    download: async (event) => {
      const e = event as { Items: Batch['items']; BatchInput: { runId: string } };
      calls.push(['download', e.Items.map((p) => p.id)]);
      if (e.Items.some((p) => p.id === failing)) throw new Error('socket hang up');
      return { runId: e.BatchInput.runId, items: e.Items };
    },
    segment: async (event) => event as Batch,
    embed: async (event) => ({
      runId: (event as Batch).runId,
      key: 'k',
      products: 1,
      imagesOk: 1,
      imagesFailed: 0,
    }),
    aggregate: async (event) => {
      calls.push(['aggregate', event]);
      return emptyAggregateSummary((event as { runId: string }).runId);
    },
    recordProducts: async (runId, ids) => {
      calls.push(['recordProducts', runId, ids]);
    },
  };
  return { handlers, calls };
}

describe('ingestProducts with prune', () => {
  it('records the catalog ids before the first batch and asks the aggregate step to prune', async () => {
    // Prepare
    const { handlers, calls } = loggingHandlers();
    // Act
    await ingestProducts(products, handlers, { batchSize: 2, runId: 'r1', concurrency: 1, prune: true });
    // Assess
    expect(calls[0]).toEqual(['recordProducts', 'r1', ['p0', 'p1', 'p2']]);
    expect(calls.at(-1)).toEqual(['aggregate', { runId: 'r1', prune: true }]);
  });

  it('neither records nor prunes by default', async () => {
    // Prepare
    const { handlers, calls } = loggingHandlers();
    // Act
    await ingestProducts(products, handlers, { batchSize: 2, runId: 'r1' });
    // Assess
    expect(calls.filter((c) => (c as string[])[0] === 'recordProducts')).toEqual([]);
    expect(calls.at(-1)).toEqual(['aggregate', { runId: 'r1' }]);
  });

  it('does not prune when a batch failed in an earlier stage, and says so', async () => {
    // Prepare
    const { handlers, calls } = loggingHandlers('p2');
    // Act
    const report = await ingestProducts(products, handlers, {
      batchSize: 2,
      runId: 'r1',
      attempts: 1,
      prune: true,
    });
    // Assess
    expect(calls.at(-1)).toEqual(['aggregate', { runId: 'r1' }]);
    expect(report.summary.pruneSkipped).toBe('prune skipped: 1 batch failed');
  });
});
