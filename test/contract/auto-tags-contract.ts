import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '#core/errors.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import type { ProductRecord } from '#core/types.ts';
import { CONTRACT_MODEL, product, unit } from './vector-store-contract.ts';

const ids = (hits: { record: { id: string } }[]) => hits.map((h) => h.record.id);

/**
 * What every VectorStore that keeps auto-tags promises: they are stored with the product, apart from its catalog
 * metadata, and a tag filter matches auto-tags only. `makeStore` returns an empty, unbound store each time.
 */
export function autoTagsContract(name: string, makeStore: () => Promise<VectorStore>): void {
  describe(`${name} (auto-tags)`, () => {
    let store: VectorStore;
    beforeEach(async () => {
      store = await makeStore();
      await store.bind(CONTRACT_MODEL);
    });
    afterEach(async () => {
      await store.close();
    });

    const tagged = (
      id: string,
      vector: Float32Array,
      autoTags: ProductRecord['autoTags'],
      metadata = {},
    ) => ({
      ...product(id, vector, metadata),
      autoTags,
    });
    const catalog = (): ProductRecord[] => [
      tagged('red-stripes', unit(1, 0, 0, 0), {
        colour: { value: 'red', margin: 0.04 },
        pattern: { value: 'striped', margin: 0.02 },
      }),
      // Its catalog says blue; the photo says red: the two stay apart.
      tagged(
        'blue-by-catalog',
        unit(0.9, 0.1, 0, 0),
        { colour: { value: 'red', margin: 0.03 } },
        { colour: 'blue' },
      ),
      tagged('plain', unit(0.7, 0.7, 0, 0), { pattern: { value: 'plain', margin: 0.05 } }, { colour: 'red' }),
      product('untagged', unit(0, 0, 1, 0)),
    ];

    it('stores the tags with the product, apart from its metadata, and none for an untagged product', async () => {
      // Prepare
      await store.upsert(catalog());
      // Act
      const blue = await store.get('blue-by-catalog');
      const untagged = await store.get('untagged');
      // Assess
      expect(blue?.autoTags).toEqual({ colour: { value: 'red', margin: 0.03 } });
      expect(blue?.metadata).toEqual({ colour: 'blue' });
      expect(untagged?.autoTags).toBeUndefined();
    });

    it('filters on auto-tags only (any case), alone or with other filters, never on a metadata field of that name', async () => {
      // Prepare
      await store.upsert(catalog());
      const query = unit(1, 0, 0, 0);
      // Act
      const red = await store.search(query, { k: 10, filter: { tags: { colour: 'RED' } } });
      const redStriped = await store.search(query, {
        k: 10,
        filter: { tags: { colour: 'red', pattern: 'striped' } },
      });
      const blue = await store.search(query, { k: 10, filter: { tags: { colour: 'blue' } } });
      const excluded = await store.search(query, {
        k: 10,
        excludeIds: ['red-stripes'],
        filter: { tags: { colour: 'red' } },
      });
      // Assess
      expect(ids(red)).toEqual(['red-stripes', 'blue-by-catalog']);
      expect(ids(redStriped)).toEqual(['red-stripes']);
      expect(blue).toEqual([]);
      expect(ids(excluded)).toEqual(['blue-by-catalog']);
      expect(red[0]?.record.autoTags?.pattern).toEqual({ value: 'striped', margin: 0.02 });
    });

    it('drops the tags when the product is stored again without them', async () => {
      // Prepare
      await store.upsert(catalog());
      // Act
      await store.upsert([product('red-stripes', unit(1, 0, 0, 0))]);
      // Assess
      expect((await store.get('red-stripes'))?.autoTags).toBeUndefined();
      expect(
        await store.search(unit(1, 0, 0, 0), { k: 10, filter: { tags: { pattern: 'striped' } } }),
      ).toEqual([]);
    });

    it.each([
      ['a group that is no word', { 'col.our': { value: 'red', margin: 0.1 } }],
      ['a negative margin', { colour: { value: 'red', margin: -0.1 } }],
      ['an empty value', { colour: { value: '', margin: 0.1 } }],
    ])('refuses auto-tags with %s', async (_, autoTags) => {
      // Act
      const error = await store.upsert([tagged('p', unit(1, 0, 0, 0), autoTags)]).catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(InputError);
      expect(String(error)).toContain('autoTags');
    });

    it('refuses a filter on a group the vocabulary does not have', async () => {
      // Prepare
      await store.upsert(catalog());
      // Act
      const error = await store
        .search(unit(1, 0, 0, 0), { k: 1, filter: { tags: { mood: 'happy' } } })
        .catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(InputError);
      expect(String(error)).toContain('not a tag group');
    });
  });
}
