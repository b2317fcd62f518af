import { describe, expect, it } from 'vitest';
import { InputError, ModelMismatchError } from '#core/errors.ts';
import { findSimilar, runSearch } from '#functions/search/run-search.ts';
import { FakeTextEmbedder } from '#test/support/fake-text-embedder.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { at, catalogStore, cosDeg, MODEL, record, textEmbedder } from './fixtures.ts';

describe('runSearch', () => {
  it('returns the product nearest to the query as best, with its cosine to the query', async () => {
    // Prepare
    const deps = { text: textEmbedder(), store: await catalogStore() };

    // Act
    const result = await runSearch({ query: '  shirt at thirty ' }, deps);

    // Assess
    expect(result.query).toBe('shirt at thirty');
    expect(deps.text.calls).toEqual([['shirt at thirty']]);
    expect(result.best?.id).toBe('b');
    expect(result.best?.score).toBeCloseTo(cosDeg(10), 5);
  });

  it('ranks alternatives by similarity to the best product, not to the query, and excludes the best', async () => {
    // Prepare
    const deps = { text: textEmbedder(), store: await catalogStore() };

    // Act
    const { alternatives } = await runSearch({ query: 'shirt at thirty' }, deps);

    // Assess: relative to the query c (20 deg) would come before a (30 deg); relative to b, a (20) beats c (30)
    expect(alternatives.map((p) => p.id)).toEqual(['a', 'c', 'd', 'e', 'f']);
    const expected = [20, 30, 55, 70, 100].map(cosDeg);
    for (const [i, p] of alternatives.entries()) expect(p.score).toBeCloseTo(expected[i] as number, 5);
  });

  it('shows a product with its catalog images in order, flattened metadata and imagesUsed', async () => {
    // Prepare
    const deps = { text: textEmbedder(), store: await catalogStore() };

    // Act
    const { best } = await runSearch({ query: 'shirt at thirty' }, deps);

    // Assess
    expect(best).toMatchObject({
      id: 'b',
      images: ['https://cdn.example.com/b/2.jpg', 'https://cdn.example.com/b/1.jpg'],
      name: 'product b',
      category: 'dress',
      price: 20,
      imagesUsed: 2,
    });
  });

  it('honours k and returns fewer alternatives when the store is small', async () => {
    // Prepare
    const deps = { text: textEmbedder(), store: await catalogStore() };
    const small = new MemoryVectorStore();
    await small.bind({ model: MODEL, dim: 2 });
    await small.upsert([record('x', 25), record('y', 40)]);

    // Act
    const two = await runSearch({ query: 'shirt at thirty', k: 2 }, deps);
    const few = await runSearch({ query: 'shirt at thirty' }, { text: deps.text, store: small });

    // Assess
    expect(two.alternatives.map((p) => p.id)).toEqual(['a', 'c']);
    expect(few.best?.id).toBe('x');
    expect(few.alternatives.map((p) => p.id)).toEqual(['y']);
  });

  it('applies the filter to the best product and to the alternatives', async () => {
    // Prepare
    const deps = { text: textEmbedder(), store: await catalogStore() };

    // Act
    const result = await runSearch({ query: 'shirt at thirty', filter: { category: 'shirt' } }, deps);

    // Assess
    expect(result.best?.id).toBe('c');
    expect(result.alternatives.map((p) => p.id)).toEqual(['e']);
  });

  it('answers an empty store with no best and no alternatives, without embedding', async () => {
    // Prepare
    const unbound = { text: textEmbedder(), store: new MemoryVectorStore() };
    const boundEmpty = new MemoryVectorStore();
    await boundEmpty.bind({ model: MODEL, dim: 2 });

    // Act
    const a = await runSearch({ query: 'anything' }, unbound);
    const b = await runSearch({ query: 'anything' }, { text: textEmbedder(), store: boundEmpty });

    // Assess
    expect(a).toEqual({ query: 'anything', best: null, alternatives: [] });
    expect(unbound.text.calls).toEqual([]);
    expect(b).toEqual({ query: 'anything', best: null, alternatives: [] });
  });

  it('refuses a store built with another model before embedding the query', async () => {
    // Prepare
    const text = textEmbedder('other/model');
    const store = await catalogStore();

    // Act
    const act = runSearch({ query: 'shirt at thirty' }, { text, store });

    // Assess
    await expect(act).rejects.toThrow(ModelMismatchError);
    await expect(act).rejects.toThrow(/"test\/fashion-2d".*"other\/model"/);
    expect(text.calls).toEqual([]);
  });

  it('rejects an empty query and a bad k with InputError', async () => {
    // Prepare
    const deps = { text: textEmbedder(), store: await catalogStore() };

    // Act
    const empty = runSearch({ query: '   ' }, deps);
    const badK = runSearch({ query: 'x', k: 2.5 }, deps);
    const zero = runSearch({ query: 'x', k: 0 }, deps);
    const tooMany = runSearch({ query: 'x', k: 51 }, deps);

    // Assess
    await expect(empty).rejects.toMatchObject({ name: 'InputError', code: 'empty_query' });
    await expect(badK).rejects.toBeInstanceOf(InputError);
    await expect(zero).rejects.toMatchObject({ code: 'invalid_k' });
    await expect(tooMany).rejects.toMatchObject({ code: 'invalid_k' });
  });
});

describe('findSimilar', () => {
  it('returns the nearest products to a stored product, or null for an unknown id', async () => {
    // Prepare
    const store = await catalogStore();

    // Act
    const similar = await findSimilar('g', { k: 3 }, { store });
    const unknown = await findSimilar('nope', { k: 3 }, { store });

    // Assess
    expect(similar?.product).toMatchObject({ id: 'g', category: 'coat' });
    expect(similar?.product.score).toBeUndefined();
    expect(similar?.alternatives.map((p) => p.id)).toEqual(['h', 'f', 'e']);
    expect(similar?.alternatives[0]?.score).toBeCloseTo(cosDeg(30), 5);
    expect(unknown).toBeNull();
  });

  it('applies the filter and defaults to 5 alternatives', async () => {
    // Prepare
    const store = await catalogStore();

    // Act
    const dresses = await findSimilar('a', { filter: { category: 'dress' } }, { store });
    const all = await findSimilar('a', {}, { store });

    // Assess
    expect(dresses?.alternatives.map((p) => p.id)).toEqual(['b', 'd', 'f']);
    expect(all?.alternatives).toHaveLength(5);
  });
});

describe('near-duplicate collapse in search results', () => {
  /** Best at 0 deg; "a1" is 1 deg from it, "c1" 1 deg from "c": both are the same thing sold twice. */
  async function storeWithTwins(extra = 0): Promise<MemoryVectorStore> {
    const store = new MemoryVectorStore();
    await store.bind({ model: MODEL, dim: 2 });
    const angles: [string, number][] = [
      ['a', 0],
      ['a1', 1],
      ['c', 30],
      ['c1', 31],
      ['e', 60],
      ['f', 90],
      ['g', 120],
      ['h', 150],
    ];
    for (let i = 0; i < extra; i++) angles.push([`t${i}`, 179 + i * 0.001]);
    await store.upsert(angles.map(([id, angle]) => record(id, angle)));
    return store;
  }

  it('drops alternatives within the threshold of the best or of a kept one, and still returns k', async () => {
    // Prepare
    const text = new FakeTextEmbedder(MODEL, 2, { best: at(0) });
    const store = await storeWithTwins();

    // Act
    const result = await runSearch({ query: 'best', k: 4 }, { text, store });
    const loose = await runSearch({ query: 'best', k: 4 }, { text, store, duplicateThreshold: 1 });

    // Assess
    expect(result.best?.id).toBe('a');
    expect(result.alternatives.map((p) => p.id)).toEqual(['c', 'e', 'f', 'g']);
    expect(loose.alternatives.map((p) => p.id)).toEqual(['a1', 'c', 'c1', 'e']);
  });

  it('asks the store for more candidates when the first ones are all duplicates', async () => {
    // Prepare: 40 near-identical products at 179 deg are the nearest to "h" (150 deg), ahead of g (120)
    const store = await storeWithTwins(40);

    // Act
    const similar = await findSimilar('h', { k: 3 }, { store });

    // Assess
    expect(similar?.alternatives.map((p) => p.id)).toEqual(['t0', 'g', 'f']);
  });

  it('shows masked image URLs parallel to the images, null where an image failed', async () => {
    // Prepare
    const store = new MemoryVectorStore();
    await store.bind({ model: MODEL, dim: 2 });
    await store.upsert([{ ...record('p/1 x', 0), maskedKeys: ['masked/m/00b140/abc.png', undefined] }]);

    // Act
    const similar = await findSimilar('p/1 x', { k: 1 }, { store });

    // Assess
    expect(similar?.product.maskedImages).toEqual(['/api/products/p%2F1%20x/masked/0', null]);
  });
});
