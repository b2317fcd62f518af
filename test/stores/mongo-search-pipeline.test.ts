import { describe, expect, it } from 'vitest';
import {
  buildSearchPipeline,
  type CheckedSearch,
  checkSearchOptions,
  limitFor,
  MAX_CANDIDATES,
  numCandidatesFor,
  scoreToCosine,
  toAtlasFilter,
} from '#adapters/mongo/search-pipeline.ts';
import { InputError } from '#core/errors.ts';
import type { SearchOptions } from '#core/ports/vector-store.ts';

const plain = (k: number): CheckedSearch => ({ k, excludeIds: [] });

describe('checkSearchOptions', () => {
  it('lower-cases text filters, keeps the price bounds and drops repeated excluded ids', () => {
    // Act
    const checked = checkSearchOptions({
      k: 3,
      excludeIds: ['p1', 'p1', 'p2'],
      filter: { category: 'SHIRTS', color: 'Red', priceMin: 10, priceMax: 20.5 },
    });
    // Assess
    expect(checked).toEqual({
      k: 3,
      excludeIds: ['p1', 'p2'],
      category: 'shirts',
      color: 'red',
      priceMin: 10,
      priceMax: 20.5,
    });
  });

  it.each<[string, unknown, string]>([
    ['a negative k', { k: -1 }, 'k must be a non-negative integer'],
    ['a fractional k', { k: 1.5 }, 'k must be a non-negative integer'],
    ['a k above the Atlas maximum', { k: MAX_CANDIDATES + 1 }, 'at most 10000'],
    ['non-string excluded ids', { k: 1, excludeIds: [1] }, 'excludeIds must be an array of strings'],
    ['a numeric category', { k: 1, filter: { category: 3 } }, 'filter category must be a string'],
    ['a string price bound', { k: 1, filter: { priceMin: '10' } }, 'filter priceMin must be a finite number'],
    ['an infinite price bound', { k: 1, filter: { priceMax: Number.POSITIVE_INFINITY } }, 'priceMax'],
  ])('rejects %s with an InputError naming the option', (_what, options, message) => {
    // Act
    const act = () => checkSearchOptions(options as SearchOptions);
    // Assess
    expect(act).toThrow(InputError);
    expect(act).toThrow(message);
  });
});

describe('toAtlasFilter', () => {
  it('is absent when nothing is filtered or excluded', () => {
    // Act + Assess
    expect(toAtlasFilter(plain(5))).toBeUndefined();
  });

  it('filters auto-tags on their indexed facets.tags.<group> paths, lower-cased', () => {
    // Prepare
    const search = checkSearchOptions({ k: 5, filter: { tags: { colour: 'Red', pattern: 'striped' } } });
    // Act
    const filter = toAtlasFilter(search);
    // Assess
    expect(filter).toEqual({
      $and: [{ 'facets.tags.colour': { $eq: 'red' } }, { 'facets.tags.pattern': { $eq: 'striped' } }],
    });
  });

  it('uses a single clause as it is', () => {
    // Act
    const filter = toAtlasFilter({ ...plain(5), category: 'shirts' });
    // Assess
    expect(filter).toEqual({ 'facets.category': { $eq: 'shirts' } });
  });

  it('ands the facets, an inclusive price range and the excluded ids', () => {
    // Prepare
    const search = checkSearchOptions({
      k: 5,
      excludeIds: ['p1'],
      filter: { category: 'Shirts', color: 'RED', priceMin: 20, priceMax: 80 },
    });
    // Act
    const filter = toAtlasFilter(search);
    // Assess
    expect(filter).toEqual({
      $and: [
        { 'facets.category': { $eq: 'shirts' } },
        { 'facets.color': { $eq: 'red' } },
        { 'facets.price': { $gte: 20 } },
        { 'facets.price': { $lte: 80 } },
        { _id: { $nin: ['p1'] } },
      ],
    });
  });
});

describe('numCandidatesFor and limitFor', () => {
  it.each([1, 5, 50, 499, 500, 2000, MAX_CANDIDATES - 1, MAX_CANDIDATES])(
    'for k = %i asks for at least k results and 20 candidates per result, within 10000',
    (k) => {
      // Act
      const limit = limitFor(k);
      const candidates = numCandidatesFor(limit);
      // Assess
      expect(limit).toBeGreaterThanOrEqual(k);
      expect(limit).toBeLessThanOrEqual(MAX_CANDIDATES);
      expect(candidates).toBeGreaterThanOrEqual(limit);
      expect(candidates).toBeLessThanOrEqual(MAX_CANDIDATES);
      expect(candidates).toBe(Math.min(20 * limit, MAX_CANDIDATES));
    },
  );
});

describe('buildSearchPipeline', () => {
  it('starts with $vectorSearch on the vector index and ends with the k best by score, then id', () => {
    // Prepare
    const query = Float32Array.from([0.6, 0.8, 0, 0.1]);
    const search = checkSearchOptions({ k: 5, excludeIds: ['seed'], filter: { color: 'Red' } });
    // Act
    const pipeline = buildSearchPipeline('threadfinder_vectors', query, search);
    // Assess
    const [first, project, sort, limit] = pipeline;
    expect(pipeline).toHaveLength(4);
    expect(first).toEqual({
      $vectorSearch: {
        index: 'threadfinder_vectors',
        path: 'vector',
        queryVector: Array.from(query),
        numCandidates: 260,
        limit: 13,
        filter: { $and: [{ 'facets.color': { $eq: 'red' } }, { _id: { $nin: ['seed'] } }] },
      },
    });
    expect(project?.$project.score).toEqual({ $meta: 'vectorSearchScore' });
    expect(project?.$project).toMatchObject({
      vector: 1,
      images: 1,
      maskedKeys: 1,
      metadata: 1,
      imagesUsed: 1,
    });
    expect(sort).toEqual({ $sort: { score: -1, _id: 1 } });
    expect(limit).toEqual({ $limit: 5 });
  });

  it('sends the float32 components exactly and no filter when none is asked for', () => {
    // Prepare
    const query = Float32Array.from([0.1, 0.2, 0.3]);
    // Act
    const [first] = buildSearchPipeline('idx', query, plain(1));
    // Assess
    expect(first?.$vectorSearch.queryVector).toEqual([query[0], query[1], query[2]]);
    expect(first?.$vectorSearch).not.toHaveProperty('filter');
  });
});

describe('scoreToCosine', () => {
  it.each([1, 0.5, 0, -0.25, -1])('inverts the Atlas normalisation (1 + %f) / 2', (cosine) => {
    // Act + Assess
    expect(scoreToCosine((1 + cosine) / 2)).toBeCloseTo(cosine, 12);
  });
});
