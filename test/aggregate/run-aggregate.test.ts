import { afterEach, describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { formatReport } from '#cli/run-report.ts';
import { InputError, ModelMismatchError } from '#core/errors.ts';
import type { ImageRecord } from '#core/types.ts';
import { dot, normalize } from '#core/vectors.ts';
import { runAggregate } from '#functions/aggregate/run-aggregate.ts';
import { collect } from '#test/contract/vector-store-contract.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { batch, embeddedProduct, MODEL, sources } from './fixtures.ts';

const newDir = tempDirs('aggregate');
const opened: FileVectorStore[] = [];
async function newStore(): Promise<FileVectorStore> {
  const store = await FileVectorStore.open(await newDir());
  opened.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const run = () => ({
  runId: 'r1',
  batches: sources([
    batch('r1', [
      embeddedProduct('shirt', [{ vector: [1, 0, 0, 0] }, { reason: 'not_found' }, { vector: [0, 2, 0, 0] }]),
      embeddedProduct('dress', [{ vector: [0, 0, 1, 1] }]),
    ]),
    batch('r1', [
      embeddedProduct('ghost', [{ reason: 'timeout' }, { reason: 'not_found' }]),
      embeddedProduct('empty', []),
      embeddedProduct('coat', [
        { vector: [3, 1, 0, 0] },
        { vector: [0, 0, 0, 5] },
        { reason: 'corrupt_image' },
      ]),
    ]),
  ]),
});

describe('runAggregate', () => {
  it('averages the ok images of a product with a failed one, keeping every catalog image', async () => {
    // Prepare
    const store = await newStore();
    // Act
    await runAggregate(run(), { store, ...MODEL });
    // Assess
    const shirt = await store.get('shirt');
    expect(shirt?.imagesUsed).toBe(2);
    expect(shirt?.images).toEqual([0, 1, 2].map((i) => `https://img.example/shirt/${i}.jpg`));
    expect(shirt?.maskedKeys).toEqual(['masked/shirt-0.png', undefined, 'masked/shirt-2.png']);
    expect(shirt?.metadata).toEqual({ name: 'shirt' });
    const expected = normalize([Math.SQRT1_2, Math.SQRT1_2, 0, 0]);
    expect(shirt?.vector).toHaveLength(4);
    for (const [i, x] of (shirt?.vector ?? []).entries()) expect(x).toBeCloseTo(expected[i] as number, 6);
  });

  it('stores unit-length vectors only', async () => {
    // Prepare
    const store = await newStore();
    // Act
    await runAggregate(run(), { store, ...MODEL });
    // Assess
    for (const id of ['shirt', 'dress', 'coat']) {
      const vector = (await store.get(id))?.vector ?? new Float32Array(4);
      expect(Math.sqrt(dot(vector, vector))).toBeCloseTo(1, 6);
    }
  });

  it('reports products without a usable image instead of storing them, and counts failures by reason', async () => {
    // Prepare
    const store = await newStore();
    // Act
    const summary = await runAggregate(run(), { store, ...MODEL });
    // Assess
    expect(summary).toMatchObject({ batchesStored: 2, batchesFailed: [], warnings: [], productsPruned: 0 });
    expect(summary.productsStored).toBe(3);
    expect(summary.productsSkipped).toEqual([
      { id: 'ghost', reasons: ['timeout', 'not_found'] },
      { id: 'empty', reasons: ['no_images'] },
    ]);
    expect(summary.productsPartial).toBe(2);
    expect(summary.images.total).toBe(9);
    expect(summary.images.ok).toBe(5);
    expect(summary.images.failed).toMatchObject({
      not_found: 2,
      timeout: 1,
      corrupt_image: 1,
      embed_failed: 0,
    });
    expect(Object.values(summary.images.failed).reduce((a, b) => a + b)).toBe(4);
    expect(summary.failedImages?.map((f) => [f.productId, f.index, f.url, f.reason])).toEqual([
      ['shirt', 1, 'https://img.example/shirt/1.jpg', 'not_found'],
      ['ghost', 0, 'https://img.example/ghost/0.jpg', 'timeout'],
      ['ghost', 1, 'https://img.example/ghost/1.jpg', 'not_found'],
      ['coat', 2, 'https://img.example/coat/2.jpg', 'corrupt_image'],
    ]);
    expect(await store.get('ghost')).toBeNull();
    expect(await store.count()).toBe(3);
    expect(await store.info()).toEqual({ model: MODEL.modelId, dim: MODEL.dim });
  });

  it('leaves the same store when run twice', async () => {
    // Prepare
    const store = await newStore();
    const first = await runAggregate(run(), { store, ...MODEL, chunkSize: 1 });
    const before = await Promise.all(['shirt', 'dress', 'coat'].map((id) => store.get(id)));
    // Act
    const second = await runAggregate(run(), { store, ...MODEL, chunkSize: 1 });
    // Assess
    expect(second).toEqual(first);
    expect(await store.count()).toBe(3);
    expect(await Promise.all(['shirt', 'dress', 'coat'].map((id) => store.get(id)))).toEqual(before);
  });

  it('stops at a first batch of another model before writing anything, not even the binding', async () => {
    // Prepare
    const store = await newStore();
    const input = run();
    input.batches.unshift(
      ...sources([batch('r1', [embeddedProduct('x', [{ vector: [1, 0, 0, 0] }])], 'other/m')], 'first'),
    );
    // Act
    const error = await runAggregate(input, { store, ...MODEL }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ModelMismatchError);
    expect(String(error)).toContain('batch first0 of run r1 was embedded with model other/m (dim 4)');
    expect(await store.count()).toBe(0);
    expect(await store.info()).toBeNull();
  });

  it('stops at a later batch of another model, before that batch writes', async () => {
    // Prepare
    const store = await newStore();
    const input = run();
    input.batches.splice(
      1,
      0,
      ...sources([batch('r1', [embeddedProduct('late', [{ vector: [1, 0, 0, 0] }])], 'other/m')], 'mid'),
    );
    // Act
    const error = await runAggregate(input, { store, ...MODEL }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ModelMismatchError);
    expect((await collect(store.listIds())).sort()).toEqual(['dress', 'shirt']);
  });

  it('refuses a run without an id', async () => {
    // Prepare
    const store = await newStore();
    // Act
    const error = await runAggregate({ ...run(), runId: '' }, { store, ...MODEL }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(InputError);
  });
});

describe('runAggregate counts the originals kept from an earlier run', () => {
  it('counts each embedded image whose stored original was kept when revalidating failed, and says so', async () => {
    // Prepare: one product whose second image's host throttled its revalidation
    const store = await FileVectorStore.open(await newDir());
    opened.push(store);
    const product = embeddedProduct('shirt', [{ vector: [1, 0, 0, 0] }, { vector: [0, 1, 0, 0] }]);
    const second = product.images[1] as ImageRecord;
    product.images[1] = {
      ...second,
      kept: true,
      detail: 'kept the copy stored ...: revalidating it failed (HTTP 429)',
    };
    // Act
    const summary = await runAggregate(
      { runId: 'r-kept', batches: sources([batch('r-kept', [product])]) },
      { store, ...MODEL },
    );
    const lines = formatReport(
      { summary, seconds: 1, notProcessed: 0, outcome: 'complete' },
      { file: 'c.csv', catalogErrors: 0 },
    );
    // Assess
    expect([summary.images.ok, summary.images.kept]).toEqual([2, 1]);
    expect(lines[2]).toBe(
      '  images: 2 ok (1 stored originals kept: their host failed to revalidate them), 0 failed',
    );
    expect(summary.keptImages).toEqual([
      {
        productId: 'shirt',
        index: 1,
        url: 'https://img.example/shirt/1.jpg',
        detail: 'kept the copy stored ...: revalidating it failed (HTTP 429)',
      },
    ]);
    expect(lines).toContain(
      '  kept image 1 of shirt (https://img.example/shirt/1.jpg): kept the copy stored ...: revalidating it failed (HTTP 429)',
    );
  });
});
