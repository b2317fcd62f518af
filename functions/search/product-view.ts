import { copyTags } from '#core/product-record.ts';
import type { AutoTags, Hit, ProductRecord } from '#core/types.ts';

/** A product as the API shows it: catalog metadata flattened next to its id, images and score. */
export interface ProductView {
  /** Catalog metadata (name, category, color, price, ...), flattened. */
  [key: string]: string | number | string[] | (string | null)[] | AutoTags | undefined;
  id: string;
  /**
   * Cosine similarity: to the query for the best product, to the anchor (best or focused product) for an
   * alternative; absent on a product asked for by id.
   */
  score?: number;
  /** The catalog's image URLs, in catalog order. */
  images: string[];
  /**
   * Same-origin URL of each image's segmented PNG (`/api/products/{id}/masked/{i}`), null where it failed or
   * where the id cannot be carried in a path (see productPath).
   */
  maskedImages: (string | null)[];
  imagesUsed: number;
  /** Zero-shot tags by vocabulary group, each `{ value, margin }`; never mixed into the catalog metadata above. */
  autoTags?: AutoTags;
}

/**
 * The API path of a product, its id percent-encoded as one path segment; undefined for `.` and `..`, which every
 * URL parser reads as "this folder" and "the folder above" however they are encoded (`%2e%2e` too), so no path
 * reaches such a product (the catalog refuses these ids; one stored before that gets no links).
 */
export function productPath(id: string): string | undefined {
  if (id === '.' || id === '..') return undefined;
  return `/api/products/${encodeURIComponent(id)}`;
}

/** Shows a stored product; with a score when it is a search hit. */
export function toView(record: ProductRecord, score?: number): ProductView {
  const base = productPath(record.id);
  // A catalog column named like the API's own field never passes for auto-tags.
  const { autoTags: _column, ...metadata } = record.metadata;
  return {
    ...metadata,
    id: record.id,
    ...(score === undefined ? {} : { score }),
    images: [...record.images],
    maskedImages: record.images.map((_, i) =>
      base && record.maskedKeys?.[i] ? `${base}/masked/${i}` : null,
    ),
    imagesUsed: record.imagesUsed,
    ...(record.autoTags &&
      Object.keys(record.autoTags).length > 0 && { autoTags: copyTags(record.autoTags) }),
  };
}

/** Shows a search hit with its score. */
export function hitView(hit: Hit): ProductView {
  return toView(hit.record, hit.score);
}
