import type { Collection, Document, SearchIndexDescription } from 'mongodb';
import { ThreadfinderError } from '#core/errors.ts';
import { TAG_GROUP_NAMES } from '#core/tags/vocabulary.ts';
import { type SearchIndexState, waitForSearchIndex } from './index-wait.ts';

/** The document field that holds the product vector. */
export const VECTOR_PATH = 'vector';
/** The filter field of each vocabulary group's auto-tag value. */
export const tagFilterPath = (group: string): string => `facets.tags.${group}`;

/**
 * Fields indexed as Atlas `filter` fields: the excluded ids, the lower-cased metadata facets and the auto-tag
 * value of every vocabulary group. An index made before a field was added is updated on the next bind.
 */
export const FILTER_PATHS: readonly string[] = [
  '_id',
  'facets.category',
  'facets.color',
  'facets.price',
  ...TAG_GROUP_NAMES.map(tagFilterPath),
];
/**
 * `dotProduct`, not `cosine`: every stored vector is unit length (upsert refuses others), so the dot product
 * is the cosine, Atlas computes it without normalising, and the score converts back to exactly the
 * `dot(query, vector)` that FileVectorStore reports, even for a query that is not quite unit length.
 */
export const SIMILARITY = 'dotProduct';

/** The `definition` of the Atlas Vector Search index for vectors of `dim` dimensions. */
export function vectorIndexDefinition(dim: number): { fields: Document[] } {
  return {
    fields: [
      { type: 'vector', path: VECTOR_PATH, numDimensions: dim, similarity: SIMILARITY },
      ...FILTER_PATHS.map((path) => ({ type: 'filter', path })),
    ],
  };
}

/** The argument of `collection.createSearchIndex` for the index `name`. */
export function vectorIndexDescription(name: string, dim: number): SearchIndexDescription {
  return { name, type: 'vectorSearch', definition: vectorIndexDefinition(dim) };
}

/** True when `actual` (an index's `latestDefinition`) has every field of `wanted` with the same settings. */
export function definitionMatches(actual: Document | undefined, wanted: { fields: Document[] }): boolean {
  const fields: unknown = actual?.fields;
  if (!Array.isArray(fields)) return false;
  return wanted.fields.every((want) =>
    fields.some(
      (have: Document) =>
        typeof have === 'object' &&
        have !== null &&
        Object.keys(want).every((key) => have[key] === want[key]),
    ),
  );
}

/** How long and how often to wait for the index. */
export interface IndexWaitOptions {
  timeoutMs: number;
  pollMs: number;
}

/**
 * Creates the vector index (or updates it to another dimension) unless it is already as wanted, then polls
 * `listSearchIndexes` until Atlas reports it READY and queryable.
 */
export async function ensureVectorIndex<T extends Document>(
  collection: Collection<T>,
  name: string,
  dim: number,
  wait: IndexWaitOptions,
): Promise<void> {
  const where = `${collection.dbName}.${collection.collectionName}`;
  const wanted = vectorIndexDefinition(dim);
  const list = () =>
    atlas(where, name, () => collection.listSearchIndexes().toArray()) as Promise<SearchIndexState[]>;
  const existing = (await list()).find((index) => index.name === name);
  if (existing === undefined) {
    await atlas(where, name, () => collection.createSearchIndex(vectorIndexDescription(name, dim))).catch(
      (error: unknown) => {
        if (!isDuplicate(error)) throw error;
      },
    );
  } else if (!definitionMatches(existing.latestDefinition, wanted)) {
    await atlas(where, name, () => collection.updateSearchIndex(name, wanted));
  }
  await waitForSearchIndex({
    name,
    where,
    list,
    isCurrent: (index) => definitionMatches(index.latestDefinition, wanted),
    ...wait,
  });
}

async function atlas<T>(where: string, name: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isDuplicate(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ThreadfinderError(
      `cannot manage the Atlas Vector Search index "${name}" on ${where}: ${message} (MongoVectorStore needs MongoDB Atlas or a local Atlas deployment)`,
      { cause: error },
    );
  }
}

/** Another process created the same index between our listing and our create. */
function isDuplicate(error: unknown): boolean {
  const e = error as { code?: unknown; codeName?: unknown } | null;
  return e?.code === 68 || e?.codeName === 'IndexAlreadyExists';
}
