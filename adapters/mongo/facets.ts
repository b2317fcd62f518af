import type { Document } from 'mongodb';
import type { Facets } from '#core/ports/vector-store.ts';
import { TAG_VOCABULARY } from '#core/tags/vocabulary.ts';
import { tagFilterPath } from './search-index.ts';

/** One `$facet` answer: distinct spellings per facet, the price range and the product count. */
export interface FacetRow {
  categories?: { value: string }[];
  colors?: { value: string }[];
  price?: { min: number; max: number }[];
  products?: { n: number }[];
  /** `tags.<group>`: the group's distinct auto-tag values; `columns.<group>`: one row when a product has the column. */
  [facet: string]: { value?: string; min?: number; max?: number; n?: number }[] | undefined;
}

const distinct = (field: string, limit: number): Document[] => [
  { $match: { [`metadata.${field}`]: { $type: 'string', $ne: '' } } },
  { $sort: { _id: 1 } },
  { $group: { _id: { $toLower: `$metadata.${field}` }, value: { $first: `$metadata.${field}` } } },
  { $sort: { _id: 1 } },
  { $limit: limit },
  { $project: { _id: 0, value: 1 } },
];

const tagValues = (group: string, limit: number): Document[] => [
  { $match: { [tagFilterPath(group)]: { $type: 'string' } } },
  { $group: { _id: `$${tagFilterPath(group)}` } },
  { $sort: { _id: 1 } },
  { $limit: limit },
  { $project: { _id: 0, value: '$_id' } },
];

const hasColumn = (columns: readonly string[]): Document[] => [
  { $match: { $or: columns.map((c) => ({ [`metadata.${c}`]: { $nin: [null, ''] } })) } },
  { $limit: 1 },
  { $project: { _id: 1 } },
];

/**
 * The aggregation behind MongoVectorStore.facets: one pass over the metadata and facets (vectors projected out), at
 * most `limit` values per facet; per vocabulary group, its auto-tag values and whether any product has one of the
 * group's catalog columns.
 */
export function facetsPipeline(limit: number): Document[] {
  const tags = Object.fromEntries(TAG_VOCABULARY.map((g) => [`tags_${g.name}`, tagValues(g.name, limit)]));
  const columns = Object.fromEntries(TAG_VOCABULARY.map((g) => [`columns_${g.name}`, hasColumn(g.columns)]));
  return [
    { $project: { metadata: 1, facets: 1 } },
    {
      $facet: {
        categories: distinct('category', limit),
        colors: distinct('color', limit),
        price: [
          { $match: { 'facets.price': { $type: 'number' } } },
          { $group: { _id: null, min: { $min: '$facets.price' }, max: { $max: '$facets.price' } } },
          { $project: { _id: 0, min: 1, max: 1 } },
        ],
        products: [{ $count: 'n' }],
        ...tags,
        ...columns,
      },
    },
  ];
}

/** Facets from the aggregation's single row (absent when the collection is empty). */
export function facetsFromRow(row: FacetRow | undefined): Facets {
  const values = (list: { value?: string }[] | undefined) =>
    (list ?? [])
      .flatMap((v) => (typeof v.value === 'string' ? [v.value] : []))
      .sort((a, b) => a.localeCompare(b));
  const price = row?.price?.[0];
  return {
    categories: values(row?.categories),
    colors: values(row?.colors),
    price: price && Number.isFinite(price.min) && Number.isFinite(price.max) ? price : null,
    products: row?.products?.[0]?.n ?? 0,
    // Catalog metadata wins: a group whose column any product has gets no auto-tag facet.
    autoTags: TAG_VOCABULARY.filter((g) => (row?.[`columns_${g.name}`] ?? []).length === 0).map((g) => ({
      group: g.name,
      values: values(row?.[`tags_${g.name}`]),
    })),
  };
}
