import { describe, expect, it } from 'vitest';
import type { Batch, CatalogProduct } from '../../core/types.ts';
import { emptyAggregateSummary } from '../../functions/aggregate/summary.ts';
import type { AggregateSummary } from '../../functions/aggregate/types.ts';
import { ingestProducts, toBatches } from '../../local/ingest.ts';
import type { StageHandlers } from '../../local/stage-handlers.ts';

const products: CatalogProduct[] = Array.from({ length: 5 }, (_, i) => ({
  id: `p${i}`,
  images: [`https://cdn.example/${i}.jpg`],
  metadata: {},
}));

/** Stage handlers that record the events they get and fail on demand, like a flaky Lambda. */
function recordingHandlers(failDownload: (batch: Batch, call: number) => boolean) {
  const events: unknown[] = [];
  let calls = 0;
  const summary = (runId: string): AggregateSummary => emptyAggregateSummary(runId);
  const handlers: StageHandlers = {
    download: async (event) => {
      events.push(event);
      const e = event as { Items: Batch['items']; BatchInput: { runId: string } };
      const batch = { runId: e.BatchInput.runId, items: e.Items };
      if (failDownload(batch, ++calls)) throw new Error('socket hang up');
      return batch;
    },
    segment: async (event) => event as Batch,
    embed: async (event) => ({
      runId: (event as Batch).runId,
      key: 'k',
      products: 0,
      imagesOk: 0,
      imagesFailed: 0,
    }),
    aggregate: async (event) => summary((event as { runId: string }).runId),
  };
  return { handlers, events };
}

describe('ingestProducts', () => {
  it('sends each batch to the handlers in the Distributed Map shape', async () => {
    const { handlers, events } = recordingHandlers(() => false);
    await ingestProducts(products, handlers, { batchSize: 2, runId: 'run-x', concurrency: 1 });
    expect(events).toEqual([
      {
        Items: [expect.objectContaining({ id: 'p0' }), expect.objectContaining({ id: 'p1' })],
        BatchInput: { runId: 'run-x' },
      },
      {
        Items: [expect.objectContaining({ id: 'p2' }), expect.objectContaining({ id: 'p3' })],
        BatchInput: { runId: 'run-x' },
      },
      { Items: [expect.objectContaining({ id: 'p4' })], BatchInput: { runId: 'run-x' } },
    ]);
    expect((events[0] as { Items: Batch['items'] }).Items[0]?.images).toEqual([
      { url: 'https://cdn.example/0.jpg', status: 'pending' },
    ]);
  });

  it('retries a failing batch, then records it and goes on with the others', async () => {
    // Prepare: the batch holding p2 always fails; the first attempt of the batch holding p0 fails once
    const { handlers } = recordingHandlers((batch, call) => batch.items[0]?.id === 'p2' || call === 1);

    // Act
    const report = await ingestProducts(products, handlers, {
      batchSize: 2,
      runId: 'run-y',
      concurrency: 1,
      attempts: 2,
      sleep: async () => {},
    });

    // Assess
    expect(report.failedBatches).toEqual([{ productIds: ['p2', 'p3'], error: 'Error: socket hang up' }]);
    expect(report.summary.runId).toBe('run-y');
  });

  it('does not call aggregate when nothing was embedded', async () => {
    const { handlers } = recordingHandlers(() => true);
    const report = await ingestProducts(products, handlers, {
      batchSize: 5,
      attempts: 1,
      sleep: async () => {},
    });
    expect(report.summary.productsStored).toBe(0);
    expect(report.failedBatches).toHaveLength(1);
    const empty = await ingestProducts([], handlers, { batchSize: 5 });
    expect(empty.summary.productsStored).toBe(0);
  });
});

describe('toBatches', () => {
  it('splits into fixed-size batches with a short last one', () => {
    expect(toBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(toBatches([], 2)).toEqual([]);
  });
});

describe('interrupting a run', () => {
  it('starts no new batch once aborted, and still aggregates what the finished batches embedded', async () => {
    // Prepare: abort while the first batch is being downloaded
    const controller = new AbortController();
    const { handlers, events } = recordingHandlers(() => {
      controller.abort();
      return false;
    });
    let aggregated = false;
    const aggregate = handlers.aggregate;
    handlers.aggregate = async (event) => {
      aggregated = true;
      return aggregate(event);
    };

    // Act
    const report = await ingestProducts(products, handlers, {
      batchSize: 2,
      concurrency: 1,
      signal: controller.signal,
    });

    // Assess
    expect(events).toHaveLength(1);
    expect(report.notProcessed).toBe(3);
    expect(aggregated).toBe(true);
  });
});
