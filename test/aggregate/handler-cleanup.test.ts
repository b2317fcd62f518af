import { describe, expect, it } from 'vitest';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { deleteBlobs } from '#functions/aggregate/run-blobs.ts';
import { batch, embeddedProduct } from './fixtures.ts';
import { context, handlerSetup } from './handler-setup.ts';

const setup = handlerSetup('aggregate-cleanup');

const run = {
  'runs/r1/embedded/a.json': batch('r1', [embeddedProduct('p1', [{ vector: [1, 0, 0, 0] }])]),
  'runs/r1/embedded/b.json': batch('r1', [embeddedProduct('p2', [{ vector: [0, 1, 0, 0] }])]),
  'runs/r1/embedded/c.json': batch('r2', [embeddedProduct('p3', [{ vector: [0, 0, 1, 0] }])]),
  'runs/r1/embedded/notes.txt': 'not a batch',
};

/** A blob store whose deletes fail for `key`, like a flaky bucket. */
function failingDeletes(key: string) {
  return (blobs: BlobStore): BlobStore => ({
    put: (k, data, type) => blobs.put(k, data, type),
    get: (k) => blobs.get(k),
    has: (k) => blobs.has(k),
    list: (prefix) => blobs.list(prefix),
    delete: (k) => (k === key ? Promise.reject(new Error('AccessDenied')) : blobs.delete(k)),
  });
}

describe('aggregate handler batch blobs', () => {
  it('deletes the stored batches after writing the summary, keeping failed batches and other files', async () => {
    // Prepare
    const { blobs, handler } = await setup(run);
    // Act
    const summary = await handler({ runId: 'r1' }, context);
    // Assess
    expect(summary.batchesFailed.map((b) => b.key)).toEqual(['runs/r1/embedded/c.json']);
    expect(await blobs.list('runs/r1/')).toEqual([
      'runs/r1/aggregated.json',
      'runs/r1/embedded/c.json',
      'runs/r1/embedded/notes.txt',
      'runs/r1/summary.json',
    ]);
  });

  it('keeps every batch with keepBatches', async () => {
    // Prepare
    const { blobs, store, handler } = await setup(run);
    // Act
    await handler({ runId: 'r1', keepBatches: true }, context);
    // Assess
    expect(await store.count()).toBe(2);
    expect(await blobs.list('runs/r1/embedded/')).toEqual(Object.keys(run));
  });

  it('names a batch it could not delete in the summary, without failing the run', async () => {
    // Prepare
    const { blobs, read, handler } = await setup(run, failingDeletes('runs/r1/embedded/a.json'));
    // Act
    const summary = await handler({ runId: 'r1' }, context);
    // Assess
    expect(summary.batchesNotDeleted).toEqual([{ key: 'runs/r1/embedded/a.json', error: 'AccessDenied' }]);
    expect(await read('runs/r1/summary.json')).toEqual(summary);
    expect(await blobs.has('runs/r1/embedded/b.json')).toBe(false);
  });
});

describe('aggregate handler retried after an attempt that completed', () => {
  it('returns the summary that attempt wrote, though its batches are gone (a timeout while deleting, say)', async () => {
    // Prepare: a run with a failed batch, aggregated once (its stored batches deleted)
    const { blobs, store, handler } = await setup(run);
    const first = await handler({ runId: 'r1' }, context);
    // Act: Step Functions retries the task
    const again = await handler({ runId: 'r1' }, context);
    // Assess: the same summary (1 stored of 2 batches, not 0 of 1), and nothing stored twice
    expect(again).toEqual(first);
    expect(again.productsStored).toBe(2);
    expect(await store.count()).toBe(2);
    expect(await blobs.list('runs/r1/embedded/')).toEqual([
      'runs/r1/embedded/c.json',
      'runs/r1/embedded/notes.txt',
    ]);
  });

  it('finishes the deletes a retried attempt left, and a clean run does not fail as having no batches', async () => {
    // Prepare: a clean run whose first attempt wrote its summary but deleted only one batch
    const clean = {
      'runs/r1/embedded/a.json': run['runs/r1/embedded/a.json'],
      'runs/r1/embedded/b.json': run['runs/r1/embedded/b.json'],
    };
    const { blobs, handler } = await setup(clean, failingDeletes('runs/r1/embedded/b.json'));
    const first = await handler({ runId: 'r1' }, context);
    await blobs.delete('runs/r1/embedded/a.json').catch(() => undefined);
    // Act
    const again = await handler({ runId: 'r1' }, context);
    // Assess: b is still refused, a is gone, and the summary is the completed one
    expect(again.productsStored).toBe(first.productsStored);
    expect(again.batchesNotDeleted).toEqual([{ key: 'runs/r1/embedded/b.json', error: 'AccessDenied' }]);
  });

  it('aggregates again when new batches came after it (a redrive re-ran failed children)', async () => {
    // Prepare
    const { blobs, store, handler } = await setup(run);
    await handler({ runId: 'r1' }, context);
    const late = batch('r1', [embeddedProduct('p4', [{ vector: [0, 0, 0, 1] }])]);
    await blobs.put('runs/r1/embedded/d.json', new TextEncoder().encode(JSON.stringify(late)));
    // Act
    const again = await handler({ runId: 'r1' }, context);
    // Assess
    expect(await store.get('p4')).toBeDefined();
    expect(again.productsStored).toBeGreaterThanOrEqual(1);
    expect(await blobs.has('runs/r1/embedded/d.json')).toBe(false);
  });
});

describe('deleteBlobs', () => {
  it("lists the keys it could not delete in the keys' order, whichever deletion failed first", async () => {
    // Prepare: later keys fail sooner
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const blobs = {
      delete: (key: string) =>
        new Promise<void>((_, reject) =>
          setTimeout(() => reject(new Error(`denied ${key}`)), (keys.length - keys.indexOf(key)) * 5),
        ),
    } as unknown as BlobStore;
    // Act
    const failed = await deleteBlobs(blobs, keys);
    // Assess
    expect(failed).toEqual(keys.map((key) => ({ key, error: `denied ${key}` })));
  });
});
