import { Binary } from 'mongodb';
import { ThreadfinderError } from '#core/errors.ts';
import { type CheckedRecord, copyTags } from '#core/product-record.ts';
import type { AutoTags, ProductMetadata, ProductRecord } from '#core/types.ts';

/** Lower-cased copies of the metadata users filter on, indexed as Atlas `filter` fields. */
export interface ProductFacets {
  category?: string;
  color?: string;
  /** Present only when the catalog gave a numeric price. */
  price?: number;
  /** Each auto-tag's value (lower case) by group, from `autoTags`, never from metadata. */
  tags?: Record<string, string>;
}

/** One product as stored in the products collection. */
export interface ProductDocument {
  _id: string;
  /** Float32 components widened to doubles (exact), as Atlas Vector Search indexes them. */
  vector: number[];
  images: string[];
  maskedKeys?: (string | null)[];
  metadata: ProductMetadata;
  imagesUsed: number;
  /** Zero-shot tags with their margins, apart from `metadata` (absent before tagging). */
  autoTags?: AutoTags;
  facets: ProductFacets;
}

/**
 * The filterable facets of metadata and auto-tags, matched the way FileVectorStore matches them (case-insensitive
 * text).
 */
export function facetsOf(metadata: ProductMetadata, autoTags?: AutoTags): ProductFacets {
  const facets: ProductFacets = {};
  if (metadata.category !== undefined) facets.category = String(metadata.category).toLowerCase();
  if (metadata.color !== undefined) facets.color = String(metadata.color).toLowerCase();
  if (typeof metadata.price === 'number') facets.price = metadata.price;
  const tags = Object.entries(autoTags ?? {});
  if (tags.length > 0) facets.tags = Object.fromEntries(tags.map(([g, t]) => [g, t.value.toLowerCase()]));
  return facets;
}

/** The document stored for a record already checked by `checkRecord`. */
export function toProductDocument(record: CheckedRecord): ProductDocument {
  const { doc } = record;
  return {
    _id: record.id,
    vector: Array.from(record.vector),
    images: [...doc.images],
    ...(doc.maskedKeys !== undefined ? { maskedKeys: [...doc.maskedKeys] } : {}),
    metadata: { ...doc.metadata },
    imagesUsed: doc.imagesUsed,
    ...(doc.autoTags !== undefined && { autoTags: copyTags(doc.autoTags) }),
    facets: facetsOf(doc.metadata, doc.autoTags),
  };
}

/** Rebuilds the ProductRecord of a stored document (a number array or a BSON float32 vector). */
export function fromProductDocument(doc: ProductDocument): ProductRecord {
  return {
    id: doc._id,
    vector: toFloat32(doc.vector, doc._id),
    images: [...doc.images],
    ...(doc.maskedKeys !== undefined ? { maskedKeys: doc.maskedKeys.map((k) => k ?? undefined) } : {}),
    metadata: { ...doc.metadata },
    imagesUsed: doc.imagesUsed,
    ...(doc.autoTags !== undefined && { autoTags: copyTags(doc.autoTags) }),
  };
}

function toFloat32(vector: unknown, id: string): Float32Array {
  if (Array.isArray(vector)) return Float32Array.from(vector);
  if (vector instanceof Binary && vector.sub_type === Binary.SUBTYPE_VECTOR) return vector.toFloat32Array();
  throw new ThreadfinderError(`stored product ${JSON.stringify(id)} has no readable vector`);
}
