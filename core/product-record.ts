import { InputError } from './errors.ts';
import type { AutoTags, ProductMetadata, ProductRecord } from './types.ts';

/** The stored fields of a product other than its id and vector, as one canonical JSON text. */
export interface StoredDoc {
  images: string[];
  maskedKeys?: (string | null)[];
  metadata: Record<string, string | number>;
  imagesUsed: number;
  /** Zero-shot tags, apart from the catalog's metadata; absent in records stored before tagging (still read). */
  autoTags?: AutoTags;
}

/** How far a stored vector's norm may be from 1 (float32 rounding of a normalised mean is ~1e-7). */
const UNIT_TOLERANCE = 1e-3;

/** A record checked for storage: its vector copied, its other fields in canonical JSON. */
export interface CheckedRecord {
  id: string;
  vector: Float32Array;
  doc: StoredDoc;
  docJson: string;
}

/** Validates a record against the bound dimension; throws InputError naming the record and the field. */
export function checkRecord(record: ProductRecord, dim: number, index: number): CheckedRecord {
  const where = `record ${index}`;
  if (typeof record !== 'object' || record === null) throw new InputError(`${where}: expected an object`);
  const { id, vector, images, maskedKeys, metadata, imagesUsed, autoTags } = record;
  if (typeof id !== 'string' || id.length === 0)
    throw new InputError(`${where}: id must be a non-empty string`);
  const at = `${where} (id ${JSON.stringify(id)})`;
  if (!(vector instanceof Float32Array)) throw new InputError(`${at}: vector must be a Float32Array`);
  if (vector.length !== dim) {
    throw new InputError(`${at}: vector has ${vector.length} dimensions; the store holds ${dim}`);
  }
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    if (!Number.isFinite(x)) throw new InputError(`${at}: vector component ${i} is ${x}`);
    sum += x * x;
  }
  const norm = Math.sqrt(sum);
  if (Math.abs(norm - 1) > UNIT_TOLERANCE) {
    throw new InputError(
      `${at}: vector has norm ${norm.toPrecision(4)}; the store holds unit-length vectors`,
    );
  }
  if (!Array.isArray(images) || images.some((u) => typeof u !== 'string')) {
    throw new InputError(`${at}: images must be an array of strings`);
  }
  if (maskedKeys !== undefined) {
    if (!Array.isArray(maskedKeys) || maskedKeys.length !== images.length) {
      throw new InputError(
        `${at}: maskedKeys must be an array parallel to images (${images.length} entries)`,
      );
    }
    if (maskedKeys.some((k) => k !== undefined && k !== null && typeof k !== 'string')) {
      throw new InputError(`${at}: maskedKeys entries must be strings or undefined`);
    }
  }
  if (!Number.isInteger(imagesUsed) || imagesUsed < 0) {
    throw new InputError(`${at}: imagesUsed must be a non-negative integer`);
  }
  const doc: StoredDoc = {
    images: [...images],
    ...(maskedKeys !== undefined ? { maskedKeys: maskedKeys.map((k) => k ?? null) } : {}),
    metadata: canonicalMetadata(metadata, at),
    imagesUsed,
    ...(autoTags !== undefined &&
      Object.keys(autoTags).length > 0 && { autoTags: canonicalTags(autoTags, at) }),
  };
  return { id, vector: Float32Array.from(vector), doc, docJson: JSON.stringify(doc) };
}

function canonicalMetadata(metadata: ProductMetadata, at: string): ProductMetadata {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InputError(`${at}: metadata must be an object`);
  }
  const out: ProductMetadata = {};
  for (const key of Object.keys(metadata).sort()) {
    const value = metadata[key];
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) out[key] = value;
    else throw new InputError(`${at}: metadata.${key} must be a string or a finite number`);
  }
  return out;
}

/** Group names become document paths (`facets.tags.<group>`): lower-case words joined by hyphens. */
const TAG_GROUP = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function canonicalTags(autoTags: AutoTags, at: string): AutoTags {
  if (typeof autoTags !== 'object' || autoTags === null || Array.isArray(autoTags)) {
    throw new InputError(`${at}: autoTags must be an object`);
  }
  const out: AutoTags = {};
  for (const group of Object.keys(autoTags).sort()) {
    const tag = autoTags[group];
    if (!TAG_GROUP.test(group))
      throw new InputError(`${at}: autoTags group ${JSON.stringify(group)} is not a word`);
    if (
      typeof tag !== 'object' ||
      tag === null ||
      typeof tag.value !== 'string' ||
      tag.value === '' ||
      typeof tag.margin !== 'number' ||
      !Number.isFinite(tag.margin) ||
      tag.margin < 0
    ) {
      throw new InputError(
        `${at}: autoTags.${group} must be { value: non-empty string, margin: number >= 0 }`,
      );
    }
    out[group] = { value: tag.value, margin: tag.margin };
  }
  return out;
}

/** Rebuilds a ProductRecord (fresh copies) from a stored doc and vector. */
export function toProductRecord(id: string, vector: Float32Array, doc: StoredDoc): ProductRecord {
  return {
    id,
    vector,
    images: [...doc.images],
    ...(doc.maskedKeys !== undefined ? { maskedKeys: doc.maskedKeys.map((k) => k ?? undefined) } : {}),
    metadata: { ...doc.metadata },
    imagesUsed: doc.imagesUsed,
    ...(doc.autoTags !== undefined && { autoTags: copyTags(doc.autoTags) }),
  };
}

/** A deep copy of auto-tags. */
export function copyTags(autoTags: AutoTags): AutoTags {
  return Object.fromEntries(
    Object.entries(autoTags).map(([g, t]) => [g, { value: t.value, margin: t.margin }]),
  );
}
