import type { Document } from 'mongodb';
import type { Facets } from '#core/ports/vector-store.ts';

/** One `$facet` answer: distinct spellings per facet, the price range and the product count. */
export interface FacetRow {
  categories?: { value: string }[];
  colors?: { value: string }[];
  price?: { min: number; max: number }[];
  products?: { n: number }[];
}

const distinct = (field: string, limit: number): Document[] => [
  { $match: { [`metadata.${field}`]: { $type: 'string', $ne: '' } } },
  { $sort: { _id: 1 } },
  { $group: { _id: { $toLower: `$metadata.${field}` }, value: { $first: `$metadata.${field}` } } },
  { $sort: { _id: 1 } },
  { $limit: limit },
  { $project: { _id: 0, value: 1 } },
];

/** The aggregation behind MongoVectorStore.facets: one pass, at most `limit` values per facet. */
export function facetsPipeline(limit: number): Document[] {
  return [
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
      },
    },
  ];
}

/** Facets from the aggregation's single row (absent when the collection is empty). */
export function facetsFromRow(row: FacetRow | undefined): Facets {
  const values = (list: { value: string }[] | undefined) =>
    (list ?? []).map((v) => v.value).sort((a, b) => a.localeCompare(b));
  const price = row?.price?.[0];
  return {
    categories: values(row?.categories),
    colors: values(row?.colors),
    price: price && Number.isFinite(price.min) && Number.isFinite(price.max) ? price : null,
    products: row?.products?.[0]?.n ?? 0,
  };
}
