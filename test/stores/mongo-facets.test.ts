import { describe, expect, it } from 'vitest';
import { facetsFromRow, facetsPipeline } from '#adapters/mongo/facets.ts';

const GROUPS = ['type', 'colour', 'pattern', 'sleeve', 'neckline', 'fit', 'length', 'material', 'occasion'];
const UNTAGGED = GROUPS.map((group) => ({ group, values: [] }));

describe('MongoVectorStore facets query', () => {
  it('is one $facet stage grouping categories and colours without case, and the numeric price range', () => {
    const [project, stage] = facetsPipeline(50);
    const facet = (stage as { $facet: Record<string, object[]> }).$facet;
    expect(project).toEqual({ $project: { metadata: 1, facets: 1 } });
    expect(Object.keys(facet).filter((k) => !/^(tags|columns)_/.test(k))).toEqual([
      'categories',
      'colors',
      'price',
      'products',
    ]);
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
    ).toEqual({ categories: ['dresses', 'Tops'], colors: [], price: null, products: 3, autoTags: UNTAGGED });
    expect(facetsFromRow(undefined)).toEqual({
      categories: [],
      colors: [],
      price: null,
      products: 0,
      autoTags: UNTAGGED,
    });
    expect(facetsFromRow({ price: [{ min: 5, max: 90 }], products: [{ n: 2 }] }).price).toEqual({
      min: 5,
      max: 90,
    });
  });

  it('asks, per vocabulary group, for its distinct auto-tag values and whether any product has one of its columns', () => {
    // Act
    const [, stage] = facetsPipeline(50);
    const facet = (stage as { $facet: Record<string, object[]> }).$facet;
    // Assess
    expect(Object.keys(facet).filter((k) => k.startsWith('tags_'))).toEqual(GROUPS.map((g) => `tags_${g}`));
    expect(JSON.stringify(facet.tags_pattern)).toContain('"$group":{"_id":"$facets.tags.pattern"}');
    expect(facet.columns_colour?.[0]).toEqual({
      $match: {
        $or: [{ 'metadata.color': { $nin: [null, ''] } }, { 'metadata.colour': { $nin: [null, ''] } }],
      },
    });
  });

  it('offers the auto-tags of a group only when no product has a catalog column for it', () => {
    // Act
    const facets = facetsFromRow({
      products: [{ n: 2 }],
      tags_colour: [{ value: 'red' }, { value: 'blue' }],
      tags_pattern: [{ value: 'striped' }],
      columns_pattern: [{}],
    });
    // Assess
    expect(facets.autoTags.find((t) => t.group === 'colour')).toEqual({
      group: 'colour',
      values: ['blue', 'red'],
    });
    expect(facets.autoTags.map((t) => t.group)).not.toContain('pattern');
  });
});
