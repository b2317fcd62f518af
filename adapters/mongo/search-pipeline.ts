import type { Document } from 'mongodb';
import { InputError } from '#core/errors.ts';
import type { SearchOptions } from '#core/ports/vector-store.ts';
import { checkFilter } from '#core/search-filter.ts';
import { tagFilterPath, VECTOR_PATH } from './search-index.ts';

/** Atlas's ceiling on `numCandidates` (and so on `limit`). */
export const MAX_CANDIDATES = 10_000;
/** Atlas recommends considering at least 20 candidates per result for good ANN recall. */
export const CANDIDATES_PER_RESULT = 20;
/** Extra results asked of Atlas so that score ties at the cut can be broken by id, as the embedded store does. */
export const TIE_SLACK = 8;

/** Search options after validation: exclusions and lower-cased text filters. */
export interface CheckedSearch {
  k: number;
  excludeIds: string[];
  category?: string;
  color?: string;
  priceMin?: number;
  priceMax?: number;
  /** Lower-cased auto-tag values by group. */
  tags?: Record<string, string>;
}

/** Validates search options with the embedded store's rules and messages; throws InputError. */
export function checkSearchOptions(options: SearchOptions): CheckedSearch {
  if (typeof options !== 'object' || options === null)
    throw new InputError('search options must be an object');
  const { k, excludeIds = [], filter = {} } = options;
  if (!Number.isInteger(k) || k < 0)
    throw new InputError(`search option k must be a non-negative integer, got ${k}`);
  if (k > MAX_CANDIDATES)
    throw new InputError(`search option k must be at most ${MAX_CANDIDATES} (Atlas Vector Search), got ${k}`);
  if (!Array.isArray(excludeIds) || excludeIds.some((id) => typeof id !== 'string')) {
    throw new InputError('search option excludeIds must be an array of strings');
  }
  const checked: CheckedSearch = { k, excludeIds: [...new Set(excludeIds)] };
  const { category, color, priceMin, priceMax, tags } = checkFilter(filter);
  if (category !== undefined) checked.category = category;
  if (color !== undefined) checked.color = color;
  if (priceMin !== undefined) checked.priceMin = priceMin;
  if (priceMax !== undefined) checked.priceMax = priceMax;
  if (tags !== undefined) checked.tags = tags;
  return checked;
}

/**
 * The `$vectorSearch` pre-filter for checked options, on the indexed `facets.*` fields and `_id`;
 * undefined when nothing is filtered. A price bound leaves out products without a numeric price,
 * because only numeric prices are copied to `facets.price`.
 */
export function toAtlasFilter(search: CheckedSearch): Document | undefined {
  const clauses: Document[] = [];
  if (search.category !== undefined) clauses.push({ 'facets.category': { $eq: search.category } });
  if (search.color !== undefined) clauses.push({ 'facets.color': { $eq: search.color } });
  if (search.priceMin !== undefined) clauses.push({ 'facets.price': { $gte: search.priceMin } });
  if (search.priceMax !== undefined) clauses.push({ 'facets.price': { $lte: search.priceMax } });
  for (const [group, value] of Object.entries(search.tags ?? {})) {
    clauses.push({ [tagFilterPath(group)]: { $eq: value } });
  }
  if (search.excludeIds.length > 0) clauses.push({ _id: { $nin: search.excludeIds } });
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

/** How many results to ask of Atlas for `k` hits: k plus a little slack for ties, within Atlas's ceiling. */
export function limitFor(k: number): number {
  return Math.min(k + TIE_SLACK, MAX_CANDIDATES);
}

/** `numCandidates` for a `limit`: 20 times it, capped at Atlas's maximum of 10,000. */
export function numCandidatesFor(limit: number): number {
  return Math.min(limit * CANDIDATES_PER_RESULT, MAX_CANDIDATES);
}

/**
 * The aggregation pipeline of a search: `$vectorSearch` (first, as Atlas requires) with the pre-filter,
 * then the stored fields and the Atlas score, sorted by score then id, cut to k.
 */
export function buildSearchPipeline(index: string, vector: Float32Array, search: CheckedSearch): Document[] {
  const limit = limitFor(search.k);
  const filter = toAtlasFilter(search);
  return [
    {
      $vectorSearch: {
        index,
        path: VECTOR_PATH,
        queryVector: Array.from(vector),
        numCandidates: numCandidatesFor(limit),
        limit,
        ...(filter !== undefined ? { filter } : {}),
      },
    },
    {
      $project: {
        vector: 1,
        images: 1,
        maskedKeys: 1,
        metadata: 1,
        imagesUsed: 1,
        autoTags: 1,
        score: { $meta: 'vectorSearchScore' },
      },
    },
    { $sort: { score: -1, _id: 1 } },
    { $limit: search.k },
  ];
}

/** Turns an Atlas `dotProduct` score, (1 + dot) / 2, back into the dot product (cosine for unit vectors). */
export function scoreToCosine(atlasScore: number): number {
  return 2 * atlasScore - 1;
}
