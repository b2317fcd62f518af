import { describe, expect, it } from 'vitest';
import { cachedFacets, computeFacets } from '#functions/search/facets.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { catalogStore, MODEL, record } from './fixtures.ts';

/** No catalog column and no tag: every vocabulary group is offered, with no value yet. */
const ALL_GROUPS_UNTAGGED = [
  'type',
  'colour',
  'pattern',
  'sleeve',
  'neckline',
  'fit',
  'length',
  'material',
  'occasion',
].map((group) => ({ group, values: [] }));

describe('computeFacets', () => {
  it('lists distinct categories and colours (first spelling, without case), the price range and the count', async () => {
    // Prepare
    const store = new MemoryVectorStore();
    await store.bind({ model: MODEL, dim: 2 });
    await store.upsert([
      record('a', 0, { category: 'Dress', color: 'red', price: 19.5 }),
      record('b', 10, { category: 'dress', color: 'Blue', price: 5 }),
      record('c', 20, { category: 'coat', price: '12' }),
      record('d', 30, { category: '  ' }),
    ]);

    // Act
    const facets = await computeFacets(store);

    // Assess
    expect(facets).toEqual({
      categories: ['coat', 'Dress'],
      colors: ['Blue', 'red'],
      price: { min: 5, max: 19.5 },
      products: 4,
      // The catalog has a color column: no auto-tag facet for colour.
      autoTags: ALL_GROUPS_UNTAGGED.filter((g) => g.group !== 'colour'),
    });
  });

  it('answers an empty store with empty lists and no price range', async () => {
    expect(await computeFacets(new MemoryVectorStore())).toEqual({
      categories: [],
      colors: [],
      price: null,
      products: 0,
      autoTags: ALL_GROUPS_UNTAGGED,
    });
  });
});

describe('cachedFacets', () => {
  it('reads the store once while its count stays the same, and again after it changes or ages', async () => {
    // Prepare
    const store = await catalogStore();
    let reads = 0;
    const listIds = store.listIds.bind(store);
    store.listIds = () => {
      reads++;
      return listIds();
    };
    let now = 0;
    const facets = cachedFacets(store, { maxAgeMs: 1000, now: () => now });

    // Act
    const first = await facets();
    await facets();
    await store.upsert([record('new', 5, { category: 'hat' })]);
    const afterChange = await facets();
    now = 2000;
    await facets();

    // Assess
    expect(first.categories).toEqual(['coat', 'dress', 'shirt']);
    expect(afterChange.categories).toEqual(['coat', 'dress', 'hat', 'shirt']);
    expect(reads).toBe(3);
  });
});
