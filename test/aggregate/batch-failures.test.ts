import { describe, expect, it } from 'vitest';
import { parseEmbeddedBatch } from '#core/contracts/embedded-batch.ts';
import type { ImageRecord } from '#core/types.ts';
import { encodeVector } from '#core/vector-codec.ts';
import { runAggregate } from '#functions/aggregate/run-aggregate.ts';
import type { BatchSource, EmbeddedBatch, EmbeddedProduct } from '#functions/aggregate/types.ts';
import { collect } from '#test/contract/vector-store-contract.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { batch, embeddedProduct, failingSource, MODEL, sources } from './fixtures.ts';

const good = () =>
  sources([
    batch('r1', [embeddedProduct('shirt', [{ vector: [1, 0, 0, 0] }, { reason: 'timeout' }])]),
    batch('r1', [embeddedProduct('coat', [{ vector: [0, 1, 0, 0] }])]),
  ]);
const blob = (key: string, value: unknown): BatchSource => ({
  key,
  read: async () =>
    parseEmbeddedBatch(
      new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)),
      key,
    ),
});
const ready = (key: string, value: EmbeddedBatch): BatchSource => ({ key, read: async () => value });
const product = (id: string) => embeddedProduct(id, [{ vector: [0, 0, 1, 0] }]);
/** The product with image `index` changed by `change` (which the types may not allow: a bad batch). */
const withImage = (p: EmbeddedProduct, index: number, change: Record<string, unknown>): EmbeddedProduct => ({
  ...p,
  images: p.images.map((image, i) => (i === index ? ({ ...image, ...change } as ImageRecord) : image)),
});

describe('runAggregate with bad batches', () => {
  it.each([
    ['corrupt JSON', blob('bad', '{"runId": '), 'embedded batch bad is not JSON', undefined],
    [
      'a malformed field',
      blob('bad', { runId: 'r1', model: MODEL.modelId, dim: 4, products: [{ id: 'p9', images: [] }] }),
      'embedded batch bad is invalid: products.0.metadata',
      ['p9'],
    ],
    [
      'a batch of another run',
      ready('bad', batch('r2', [product('x')])),
      'belongs to run r2, not to run r1',
      ['x'],
    ],
    [
      'a vector on a failed image',
      blob(
        'bad',
        batch('r1', [withImage(embeddedProduct('x', [{ reason: 'timeout' }]), 0, { vector: 'AACAPw==' })]),
      ),
      'embedded batch bad is invalid: products.0.images.0: Unrecognized key: "vector"',
      ['x'],
    ],
    [
      'a vector of the wrong dimension',
      ready('bad', batch('r1', [product('y'), withImage(product('x'), 0, { vector: 'AACAPw==' })])),
      'batch bad product "x" image 0 vector: has 1 dimensions, expected 4',
      ['y', 'x'],
    ],
    [
      'an all-zero vector',
      ready(
        'bad',
        batch('r1', [
          withImage(embeddedProduct('x', [{ reason: 'timeout' }, { vector: [1, 0, 0, 0] }]), 1, {
            vector: encodeVector([0, 0, 0, 0]),
          }),
        ]),
      ),
      'batch bad product "x" image 1 vector is all zeros',
      ['x'],
    ],
    [
      'a pending image',
      ready('bad', batch('r1', [{ ...embeddedProduct('x', []), images: [{ url: 'u', status: 'pending' }] }])),
      'image 0 (u) is pending; the embed stage must leave every image embedded or failed with a reason',
      ['x'],
    ],
    [
      'image vectors that cancel out',
      ready(
        'bad',
        batch('r1', [embeddedProduct('x', [{ vector: [1, 0, 0, 0] }, { vector: [-1, 0, 0, 0] }])]),
      ),
      'batch bad product "x": its image vectors cancel out',
      ['x'],
    ],
  ])('records %s as a failed batch and stores the others', async (_what, bad, message, productIds) => {
    // Prepare
    const store = new MemoryVectorStore();
    const [first, second] = good();
    // Act
    const summary = await runAggregate(
      { runId: 'r1', batches: [first as BatchSource, bad, second as BatchSource] },
      { store, ...MODEL },
    );
    // Assess
    expect(summary.batchesFailed).toEqual([
      { key: 'bad', error: expect.stringContaining(message), ...(productIds && { productIds }) },
    ]);
    expect(summary.batchesStored).toBe(2);
    expect(summary.productsStored).toBe(2);
    expect(summary.images).toMatchObject({ total: 3, ok: 2 });
    expect((await collect(store.listIds())).sort()).toEqual(['coat', 'shirt']);
  });

  it('keeps the first copy of a product seen in two batches and warns on the second batch', async () => {
    // Prepare
    const store = new MemoryVectorStore();
    const batches = sources([
      batch('r1', [embeddedProduct('shirt', [{ vector: [1, 0, 0, 0] }])]),
      batch('r1', [
        embeddedProduct('shirt', [{ vector: [0, 1, 0, 0] }, { reason: 'timeout' }]),
        product('hat'),
      ]),
    ]);
    // Act
    const summary = await runAggregate({ runId: 'r1', batches }, { store, ...MODEL });
    // Assess
    expect(summary.warnings).toEqual([
      { key: 'b1', message: expect.stringContaining('"shirt" (kept from b0)'), productIds: ['shirt'] },
    ]);
    expect(summary).toMatchObject({
      batchesStored: 2,
      batchesFailed: [],
      productsStored: 2,
      productsPartial: 0,
    });
    expect(summary.images).toMatchObject({ total: 2, ok: 2 });
    expect(Array.from((await store.get('shirt'))?.vector ?? [])).toEqual([1, 0, 0, 0]);
  });

  it('keeps the first of two entries for one product within a batch', async () => {
    // Prepare
    const store = new MemoryVectorStore();
    const twice = batch('r1', [product('hat'), embeddedProduct('hat', [{ vector: [0, 1, 0, 0] }])]);
    // Act
    const summary = await runAggregate({ runId: 'r1', batches: sources([twice]) }, { store, ...MODEL });
    // Assess
    expect(summary.warnings).toEqual([
      { key: 'b0', message: expect.stringContaining('"hat" (kept from b0)'), productIds: ['hat'] },
    ]);
    expect(summary.productsStored).toBe(1);
    expect(Array.from((await store.get('hat'))?.vector ?? [])).toEqual([0, 0, 1, 0]);
  });

  it('stores a product from a later batch when its earlier batch failed', async () => {
    // Prepare
    const store = new MemoryVectorStore();
    const batches = [
      ready('early', batch('r1', [product('shirt'), withImage(product('broken'), 0, { vector: '' })])),
      ready('late', batch('r1', [embeddedProduct('shirt', [{ vector: [0, 1, 0, 0] }])])),
    ];
    // Act
    const summary = await runAggregate({ runId: 'r1', batches }, { store, ...MODEL });
    // Assess
    expect(summary.batchesFailed.map((b) => b.key)).toEqual(['early']);
    expect(summary.warnings).toEqual([]);
    expect(Array.from((await store.get('shirt'))?.vector ?? [])).toEqual([0, 1, 0, 0]);
  });

  it('stops the run on a read error that is not about the batch content, so the whole step is retried', async () => {
    // Prepare
    const store = new MemoryVectorStore();
    const batches = [...good(), failingSource('flaky', new Error('read ECONNRESET'))];
    // Act
    const error = await runAggregate({ runId: 'r1', batches }, { store, ...MODEL }).catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain('ECONNRESET');
  });
});
