import { InputError, ModelMismatchError } from '#core/errors.ts';
import type { TextEmbedder } from '#core/ports/models.ts';
import type { IndexInfo, SearchFilter, VectorStore } from '#core/ports/vector-store.ts';
import type { ProductRecord } from '#core/types.ts';
import {
  candidateCount,
  collapseNearDuplicates,
  DEFAULT_DUPLICATE_THRESHOLD,
  MAX_CANDIDATES,
} from './collapse.ts';
import { hitView, type ProductView, toView } from './product-view.ts';

export type { ProductView } from './product-view.ts';

/** How many alternatives a search returns when the caller does not say. */
export const DEFAULT_ALTERNATIVES = 5;

/** The fewest alternatives one search may ask for. */
export const MIN_ALTERNATIVES = 1;

/** The most alternatives one search may ask for. */
export const MAX_ALTERNATIVES = 50;

/** The answer to one search: the best product and its distinct look-alikes. */
export interface SearchResult {
  query: string;
  best: ProductView | null;
  alternatives: ProductView[];
}

/** How many alternatives, and which products may appear. */
export interface SearchOptions {
  /** Number of alternatives, 1 to 50, default 5. */
  k?: number;
  filter?: SearchFilter;
}

/** What one text search asks for. */
export interface SearchInput extends SearchOptions {
  query: string;
}

/** What finding products by vector needs. */
export interface StoreDeps {
  store: VectorStore;
  /** Alternatives at or above this cosine to the anchor or to each other collapse into one (default 0.98). */
  duplicateThreshold?: number;
}

/** What a text search needs. */
export interface SearchDeps extends StoreDeps {
  text: TextEmbedder;
}

/** The model a vector came from, as far as comparing with a store goes. */
export interface VectorModel {
  readonly modelId: string;
  readonly dim: number;
}

/** Finds the product nearest to a text query, then the distinct products nearest to that product. */
export async function runSearch(input: SearchInput, deps: SearchDeps): Promise<SearchResult> {
  const query = input.query.trim();
  if (query === '') throw new InputError('search query is empty', 'empty_query');
  const k = checkK(input.k ?? DEFAULT_ALTERNATIVES);

  const info = await deps.store.info();
  if (info === null) return { query, best: null, alternatives: [] };
  assertSameModel(info, deps.text);

  const [vector] = await deps.text.embedTexts([query]);
  if (!vector || vector.length !== info.dim) {
    throw new Error(`text embedder ${deps.text.modelId} returned no ${info.dim}-dimensional vector`);
  }
  return { query, ...(await searchByVector(vector, { k, filter: input.filter }, deps)) };
}

/** The product nearest to `vector` and the distinct products nearest to it; the vector must fit the store. */
export async function searchByVector(
  vector: Float32Array,
  options: SearchOptions,
  deps: StoreDeps,
): Promise<Omit<SearchResult, 'query'>> {
  const k = checkK(options.k ?? DEFAULT_ALTERNATIVES);
  const [bestHit] = await deps.store.search(vector, { k: 1, filter: options.filter });
  if (!bestHit) return { best: null, alternatives: [] };
  const alternatives = await distinctNeighbours(bestHit.record, k, deps, options.filter);
  return { best: hitView(bestHit), alternatives };
}

/** A stored product and its `k` distinct nearest products, or null when the store has no such product. */
export async function findSimilar(
  id: string,
  options: SearchOptions,
  deps: StoreDeps,
): Promise<{ product: ProductView; alternatives: ProductView[] } | null> {
  const k = checkK(options.k ?? DEFAULT_ALTERNATIVES);
  const record = await deps.store.get(id);
  if (!record) return null;
  const alternatives = await distinctNeighbours(record, k, deps, options.filter);
  return { product: toView(record), alternatives };
}

/** Throws ModelMismatchError when the store's vectors come from another model than `model`. */
export function assertSameModel(info: IndexInfo, model: VectorModel): void {
  if (info.model !== model.modelId || info.dim !== model.dim) {
    throw new ModelMismatchError(
      `the vector store holds ${info.dim}-d vectors of model "${info.model}" but queries are embedded with ` +
        `${model.dim}-d model "${model.modelId}"; re-ingest the catalog with this model or search with that one`,
    );
  }
}

/**
 * The `k` products nearest to `anchor`, skipping near-duplicates of it and of each other; asks the store for
 * more candidates (up to MAX_CANDIDATES) while duplicates leave it short.
 */
async function distinctNeighbours(
  anchor: ProductRecord,
  k: number,
  deps: StoreDeps,
  filter: SearchFilter | undefined,
): Promise<ProductView[]> {
  const threshold = deps.duplicateThreshold ?? DEFAULT_DUPLICATE_THRESHOLD;
  let want = candidateCount(k);
  for (;;) {
    const hits = await deps.store.search(anchor.vector, { k: want, excludeIds: [anchor.id], filter });
    const others = hits.filter((h) => h.record.id !== anchor.id);
    const kept = collapseNearDuplicates(anchor.vector, others, k, threshold);
    const exhausted = hits.length < want || want >= MAX_CANDIDATES;
    if (kept.length >= k || exhausted) return kept.map(hitView);
    want = Math.min(want * 4, MAX_CANDIDATES);
  }
}

function checkK(k: number): number {
  if (!Number.isInteger(k) || k < MIN_ALTERNATIVES || k > MAX_ALTERNATIVES) {
    throw new InputError(
      `number of alternatives "k" must be a whole number from ${MIN_ALTERNATIVES} to ${MAX_ALTERNATIVES}, got ${k}`,
      'invalid_k',
    );
  }
  return k;
}
