import { describe, expect, it } from 'vitest';
import { InvalidBatchError } from '#core/contracts/embedded-batch.ts';
import { normalize } from '#core/vectors.ts';
import { runAggregate } from '#functions/aggregate/run-aggregate.ts';
import { collect } from '#test/contract/vector-store-contract.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { batch, embeddedProduct, failingSource, MODEL, sources } from './fixtures.ts';

/** A store holding an earlier run's products: two the catalog has dropped, two it still lists. */
async function earlierStore(): Promise<MemoryVectorStore> {
  const store = new MemoryVectorStore();
  await store.bind({ model: MODEL.modelId, dim: MODEL.dim });
  await store.upsert(
    ['dropped-1', 'shirt', 'dropped-2', 'not-embedded'].map((id) => ({
      id,
      vector: normalize([1, 1, 0, 0]),
      images: [],
      metadata: {},
      imagesUsed: 1,
    })),
  );
  return store;
}

const batches = () =>
  sources([
    batch('r1', [embeddedProduct('shirt', [{ vector: [1, 0, 0, 0] }])]),
    batch('r1', [embeddedProduct('coat', [{ vector: [0, 1, 0, 0] }]), embeddedProduct('ghost', [])]),
  ]);
const catalogIds = ['shirt', 'coat', 'ghost', 'not-embedded'];
const ids = async (store: MemoryVectorStore) => (await collect(store.listIds())).sort();

describe('runAggregate prune', () => {
  it('deletes, after the upserts, only the stored products the catalog no longer lists', async () => {
    // Prepare
    const store = await earlierStore();
    // Act
    const summary = await runAggregate(
      { runId: 'r1', batches: batches(), prune: { catalogIds } },
      { store, ...MODEL, chunkSize: 1 },
    );
    // Assess
    expect(summary.productsPruned).toBe(2);
    expect(summary.pruneSkipped).toBeUndefined();
    expect(await ids(store)).toEqual(['coat', 'not-embedded', 'shirt']);
  });

  it('deletes nothing when not asked to prune', async () => {
    // Prepare
    const store = await earlierStore();
    // Act
    const summary = await runAggregate({ runId: 'r1', batches: batches() }, { store, ...MODEL });
    // Assess
    expect(summary.productsPruned).toBe(0);
    expect(summary.pruneSkipped).toBeUndefined();
    expect(await ids(store)).toEqual(['coat', 'dropped-1', 'dropped-2', 'not-embedded', 'shirt']);
  });

  it('skips the prune when any batch of the run failed, and says why', async () => {
    // Prepare
    const store = await earlierStore();
    const withBad = [
      ...batches(),
      failingSource('bad', new InvalidBatchError('embedded batch bad is not JSON')),
    ];
    // Act
    const summary = await runAggregate(
      { runId: 'r1', batches: withBad, prune: { catalogIds } },
      { store, ...MODEL },
    );
    // Assess
    expect(summary.pruneSkipped).toBe('prune skipped: 1 batch failed');
    expect(summary.productsPruned).toBe(0);
    expect(summary.productsStored).toBe(2);
    expect(await ids(store)).toEqual(['coat', 'dropped-1', 'dropped-2', 'not-embedded', 'shirt']);
  });

  it('skips the prune when the catalog list misses a product this run stored', async () => {
    // Prepare
    const store = await earlierStore();
    // Act
    const summary = await runAggregate(
      { runId: 'r1', batches: batches(), prune: { catalogIds: ['shirt', 'not-embedded'] } },
      { store, ...MODEL },
    );
    // Assess
    expect(summary.pruneSkipped).toContain(
      'prune skipped: 2 products of this run are not in its catalog list',
    );
    expect(await ids(store)).toEqual(['coat', 'dropped-1', 'dropped-2', 'not-embedded', 'shirt']);
  });
});
