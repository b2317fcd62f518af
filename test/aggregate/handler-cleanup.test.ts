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
