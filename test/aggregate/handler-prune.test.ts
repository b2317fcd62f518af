import { describe, expect, it } from 'vitest';
import { writeProductList } from '#core/contracts/product-list.ts';
import { normalize } from '#core/vectors.ts';
import { collect } from '#test/contract/vector-store-contract.ts';
import { batch, embeddedProduct, MODEL } from './fixtures.ts';
import { context, handlerSetup } from './handler-setup.ts';

const setup = handlerSetup('aggregate-prune');

const run = {
  'runs/r1/embedded/a.json': batch('r1', [embeddedProduct('shirt', [{ vector: [1, 0, 0, 0] }])]),
};

/** Sets up the run and a store that already holds `coat` and a discontinued `hat`. */
async function withEarlierProducts(contents: Record<string, unknown>) {
  const ctx = await setup(contents);
  await ctx.store.bind({ model: MODEL.modelId, dim: MODEL.dim });
  const old = { vector: normalize([0, 1, 0, 0]), images: [], metadata: {}, imagesUsed: 1 };
  await ctx.store.upsert([
    { id: 'coat', ...old },
    { id: 'hat', ...old },
  ]);
  return ctx;
}

describe('aggregate handler prune', () => {
  it('with prune, deletes the stored products missing from the run product list', async () => {
    // Prepare
    const { blobs, store, handler } = await withEarlierProducts(run);
    await writeProductList(blobs, 'r1', ['shirt', 'coat']);
    // Act
    const summary = await handler({ runId: 'r1', prune: true }, context);
    // Assess
    expect(summary.productsPruned).toBe(1);
    expect((await collect(store.listIds())).sort()).toEqual(['coat', 'shirt']);
  });

  it('without prune, keeps them', async () => {
    // Prepare
    const { store, handler } = await withEarlierProducts(run);
    // Act
    const summary = await handler({ runId: 'r1' }, context);
    // Assess
    expect(summary.productsPruned).toBe(0);
    expect(await store.count()).toBe(3);
  });

  it.each([
    [{}, 'run r1 asks to prune but has no product list at runs/r1/products.json'],
    [{ 'runs/r1/products.json': { runId: 'r0', productIds: ['a'] } }, 'belongs to run r0, not to run r1'],
    [
      { 'runs/r1/products.json': { runId: 'r1', productIds: [] } },
      'product list runs/r1/products.json is invalid',
    ],
    [{ 'runs/r1/products.json': '["shirt"' }, 'product list runs/r1/products.json is not JSON'],
  ])('refuses to prune with the product list %j, before writing anything', async (list, message) => {
    // Prepare
    const { blobs, store, handler } = await withEarlierProducts({
      'runs/r1/embedded/a.json': run['runs/r1/embedded/a.json'],
      ...list,
    });
    // Act
    const error = await handler({ runId: 'r1', prune: true }, context).catch((e: unknown) => e);
    // Assess
    expect((error as Error).name).toBe('InputError');
    expect((error as Error).message).toContain(message);
    expect(await store.count()).toBe(2);
    expect(await blobs.has('runs/r1/embedded/a.json')).toBe(true);
  });
});
