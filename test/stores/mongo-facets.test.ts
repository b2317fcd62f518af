import { describe, expect, it } from 'vitest';
import { facetsFromRow, facetsPipeline } from '#adapters/mongo/facets.ts';

describe('MongoVectorStore facets query', () => {
  it('is one $facet stage grouping categories and colours without case, and the numeric price range', () => {
    const [stage] = facetsPipeline(50);
    const facet = (stage as { $facet: Record<string, object[]> }).$facet;
    expect(Object.keys(facet).sort()).toEqual(['categories', 'colors', 'price', 'products']);
    expect(facet.categories).toContainEqual({ $limit: 50 });
    expect(JSON.stringify(facet.colors)).toContain('{"$toLower":"$metadata.color"}');
    expect(JSON.stringify(facet.price)).toContain('"$min":"$facets.price"');
  });

  it('reads the single answer row into facets, sorted, with null price when none is numeric', () => {
    expect(
      facetsFromRow({
        categories: [{ value: 'Tops' }, { value: 'dresses' }],
        colors: [],
        price: [],
        products: [{ n: 3 }],
      }),
    ).toEqual({ categories: ['dresses', 'Tops'], colors: [], price: null, products: 3 });
    expect(facetsFromRow(undefined)).toEqual({ categories: [], colors: [], price: null, products: 0 });
    expect(facetsFromRow({ price: [{ min: 5, max: 90 }], products: [{ n: 2 }] }).price).toEqual({
      min: 5,
      max: 90,
    });
  });
});
