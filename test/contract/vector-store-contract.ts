import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, ModelMismatchError } from '#core/errors.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import type { ProductRecord } from '#core/types.ts';
import { dot, normalize } from '#core/vectors.ts';

/** Model and dimension the contract binds its stores to. */
export const CONTRACT_MODEL = { model: 'contract-model', dim: 4 };

/** A unit vector from raw components. */
export function unit(...xs: number[]): Float32Array {
  return normalize(xs);
}

/** A record with sensible defaults. */
export function product(
  id: string,
  vector: Float32Array,
  metadata: ProductRecord['metadata'] = {},
): ProductRecord {
  return {
    id,
    vector,
    images: [`https://img.example/${id}/1.jpg`],
    maskedKeys: [`masked/${id}-1.png`],
    metadata,
    imagesUsed: 1,
  };
}

const ids = (hits: { record: { id: string } }[]) => hits.map((h) => h.record.id);

/** Drains an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The behaviour every VectorStore adapter promises; `makeStore` returns an empty, unbound store each time. */
export function vectorStoreContract(name: string, makeStore: () => Promise<VectorStore>): void {
  describe(`${name} (VectorStore contract)`, () => {
    let store: VectorStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    const catalog = (): ProductRecord[] => [
      product('red-shirt', unit(1, 0, 0, 0), { category: 'Shirts', color: 'Red', price: 20 }),
      product('pink-shirt', unit(0.9, 0.1, 0, 0), { category: 'shirts', color: 'PINK', price: 35.5 }),
      product('red-dress', unit(0.7, 0.7, 0, 0), { category: 'Dresses', color: 'red', price: 80 }),
      product('blue-jeans', unit(0, 0, 1, 0), { category: 'Trousers', color: 'blue' }),
      product('green-coat', unit(0, 0, 0, 1), { category: 'Coats', color: 'green', price: 120 }),
    ];
    const loaded = async () => {
      await store.bind(CONTRACT_MODEL);
      await store.upsert(catalog());
    };

    it('is unbound and empty at first, and bound after bind', async () => {
      // Assess
      expect(await store.info()).toBeNull();
      expect(await store.count()).toBe(0);
      // Act
      await store.bind(CONTRACT_MODEL);
      // Assess
      expect(await store.info()).toEqual(CONTRACT_MODEL);
    });

    it('accepts the same binding again and refuses another model or dimension once it holds vectors', async () => {
      // Prepare
      await loaded();
      // Act
      await store.bind({ ...CONTRACT_MODEL });
      const otherModel = await store.bind({ model: 'other-model', dim: 4 }).catch((e: unknown) => e);
      const otherDim = await store.bind({ model: CONTRACT_MODEL.model, dim: 8 }).catch((e: unknown) => e);
      // Assess
      expect(otherModel).toBeInstanceOf(ModelMismatchError);
      expect(String(otherModel)).toContain(CONTRACT_MODEL.model);
      expect(String(otherModel)).toContain('other-model');
      expect(otherDim).toBeInstanceOf(ModelMismatchError);
      expect(await store.info()).toEqual(CONTRACT_MODEL);
    });

    it('refuses to upsert before it is bound', async () => {
      // Act
      const error = await store.upsert([product('p', unit(1, 0, 0, 0))]).catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(InputError);
      expect(await store.count()).toBe(0);
    });

    it('returns an upserted record as it was given, and null for an unknown id', async () => {
      // Prepare
      await store.bind(CONTRACT_MODEL);
      const record: ProductRecord = {
        id: 'p1',
        vector: unit(1, 2, 3, 4),
        images: ['https://img.example/a.jpg', 'https://img.example/b.jpg', 'https://img.example/c.jpg'],
        maskedKeys: ['masked/a.png', undefined, 'masked/c.png'],
        metadata: { name: 'Linen shirt', price: 19.99, category: 'Shirts' },
        imagesUsed: 2,
      };
      // Act
      await store.upsert([record]);
      // Assess
      const got = await store.get('p1');
      expect(got).toEqual({ ...record, vector: expect.any(Float32Array) });
      expect(Array.from(got?.vector ?? [])).toEqual(Array.from(record.vector));
      expect(await store.get('nope')).toBeNull();
      expect(await store.count()).toBe(1);
    });

    it('replaces a record upserted again under the same id', async () => {
      // Prepare
      await loaded();
      // Act
      await store.upsert([product('red-shirt', unit(0, 1, 0, 0), { category: 'Shirts', color: 'Maroon' })]);
      // Assess
      expect(await store.count()).toBe(5);
      expect((await store.get('red-shirt'))?.metadata.color).toBe('Maroon');
      expect(Array.from((await store.get('red-shirt'))?.vector ?? [])).toEqual(Array.from(unit(0, 1, 0, 0)));
    });

    it('is idempotent: the same upsert twice leaves the same state', async () => {
      // Prepare
      await loaded();
      const before = await Promise.all(catalog().map((p) => store.get(p.id)));
      // Act
      await store.upsert(catalog());
      // Assess
      expect(await store.count()).toBe(5);
      expect(await Promise.all(catalog().map((p) => store.get(p.id)))).toEqual(before);
    });

    it.each([
      ['a wrong dimension', unit(1, 0, 0)],
      ['a NaN component', Float32Array.from([Number.NaN, 0, 0, 0])],
      ['an infinite component', Float32Array.from([Number.POSITIVE_INFINITY, 0, 0, 0])],
    ])('rejects a batch holding a vector with %s, storing none of it', async (_what, bad) => {
      // Prepare
      await store.bind(CONTRACT_MODEL);
      // Act
      const error = await store
        .upsert([product('good', unit(1, 0, 0, 0)), product('bad', bad)])
        .catch((e) => e);
      // Assess
      expect(error).toBeInstanceOf(InputError);
      expect(String(error)).toContain('bad');
      expect(await store.count()).toBe(0);
    });

    it('deletes by id, ignoring absent and repeated ids, and reports how many existed', async () => {
      // Prepare
      await loaded();
      // Act
      const removed = await store.delete(['red-shirt', 'missing', 'red-shirt', 'green-coat']);
      const again = await store.delete(['red-shirt']);
      const none = await store.delete([]);
      // Assess
      expect([removed, again, none]).toEqual([2, 0, 0]);
      expect(await store.count()).toBe(3);
      expect(await store.get('red-shirt')).toBeNull();
      expect(ids(await store.search(unit(1, 0, 0, 0), { k: 10 }))).toEqual([
        'pink-shirt',
        'red-dress',
        'blue-jeans',
      ]);
    });

    it('stores a deleted id again when it is upserted again', async () => {
      // Prepare
      await loaded();
      await store.delete(['blue-jeans']);
      // Act
      await store.upsert([product('blue-jeans', unit(0, 0, 1, 0), { color: 'indigo' })]);
      // Assess
      expect(await store.count()).toBe(5);
      expect((await store.get('blue-jeans'))?.metadata).toEqual({ color: 'indigo' });
    });

    it('lists every stored id once, and none for an unbound or emptied store', async () => {
      // Prepare
      const unbound = await collect(store.listIds());
      await loaded();
      await store.upsert([product('red-shirt', unit(0, 1, 0, 0))]);
      // Act
      const listed = await collect(store.listIds());
      await store.delete(listed);
      const emptied = await collect(store.listIds());
      // Assess
      expect(unbound).toEqual([]);
      expect(listed.sort()).toEqual(
        catalog()
          .map((p) => p.id)
          .sort(),
      );
      expect(emptied).toEqual([]);
    });

    it('ranks by cosine similarity, highest first, with scores equal to the dot product', async () => {
      // Prepare
      await loaded();
      const query = unit(1, 0, 0, 0.1);
      // Act
      const hits = await store.search(query, { k: 3 });
      // Assess
      expect(ids(hits)).toEqual(['red-shirt', 'pink-shirt', 'red-dress']);
      for (const hit of hits) expect(hit.score).toBeCloseTo(dot(query, hit.record.vector), 5);
      expect(hits[0]?.record.metadata).toEqual({ category: 'Shirts', color: 'Red', price: 20 });
    });

    it('returns every record when k exceeds the count, and nothing for an empty store', async () => {
      // Prepare
      const empty = await store.search(unit(1, 0, 0, 0), { k: 5 });
      await loaded();
      // Act
      const hits = await store.search(unit(1, 0, 0, 0), { k: 50 });
      // Assess
      expect(empty).toEqual([]);
      expect(hits).toHaveLength(5);
    });

    it('breaks score ties by id, ascending', async () => {
      // Prepare
      await store.bind(CONTRACT_MODEL);
      await store.upsert(['c', 'a', 'd', 'b'].map((id) => product(id, unit(0, 1, 0, 0))));
      // Act
      const hits = await store.search(unit(0, 1, 0, 0), { k: 3 });
      // Assess
      expect(ids(hits)).toEqual(['a', 'b', 'c']);
    });

    it('leaves out excluded ids', async () => {
      // Prepare
      await loaded();
      // Act
      const hits = await store.search(unit(1, 0, 0, 0), { k: 2, excludeIds: ['red-shirt', 'not-stored'] });
      // Assess
      expect(ids(hits)).toEqual(['pink-shirt', 'red-dress']);
    });

    it('filters on category and color, ignoring case', async () => {
      // Prepare
      await loaded();
      // Act
      const shirts = await store.search(unit(1, 0, 0, 0), { k: 10, filter: { category: 'SHIRTS' } });
      const red = await store.search(unit(1, 0, 0, 0), { k: 10, filter: { color: 'RED' } });
      const redShirts = await store.search(unit(1, 0, 0, 0), {
        k: 10,
        filter: { category: 'shirts', color: 'red' },
      });
      // Assess
      expect(ids(shirts)).toEqual(['red-shirt', 'pink-shirt']);
      expect(ids(red)).toEqual(['red-shirt', 'red-dress']);
      expect(ids(redShirts)).toEqual(['red-shirt']);
    });

    it('filters on an inclusive price range, leaving out records without a numeric price', async () => {
      // Prepare
      await loaded();
      // Act
      const mid = await store.search(unit(1, 0, 0, 0), { k: 10, filter: { priceMin: 20, priceMax: 80 } });
      const cheap = await store.search(unit(1, 0, 0, 0), { k: 10, filter: { priceMax: 35.5 } });
      const dear = await store.search(unit(1, 0, 0, 0), { k: 10, filter: { priceMin: 100 } });
      // Assess
      expect(ids(mid)).toEqual(['red-shirt', 'pink-shirt', 'red-dress']);
      expect(ids(cheap)).toEqual(['red-shirt', 'pink-shirt']);
      expect(ids(dear)).toEqual(['green-coat']);
    });

    it('rejects a query vector of the wrong dimension and a bad k', async () => {
      // Prepare
      await loaded();
      // Act
      const wrongDim = await store.search(unit(1, 0, 0), { k: 1 }).catch((e: unknown) => e);
      const badK = await store.search(unit(1, 0, 0, 0), { k: -1 }).catch((e: unknown) => e);
      // Assess
      expect(wrongDim).toBeInstanceOf(InputError);
      expect(badK).toBeInstanceOf(InputError);
    });
  });
}
