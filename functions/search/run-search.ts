import { InputError, ModelMismatchError } from '../../core/errors.ts';
import type { TextEmbedder } from '../../core/ports/models.ts';
import type { IndexInfo, SearchFilter, VectorStore } from '../../core/ports/vector-store.ts';
import type { Hit, ProductRecord } from '../../core/types.ts';

/** How many alternatives a search returns when the caller does not say. */
export const DEFAULT_ALTERNATIVES = 5;

/** The most alternatives one search may ask for. */
export const MAX_ALTERNATIVES = 20;

/** A product as the API shows it: catalog metadata flattened next to its id, score and images. */
export interface ProductView {
  /** Catalog metadata (name, category, color, price, ...), flattened. */
  [key: string]: string | number | string[];
  id: string;
  /** Cosine similarity: to the query for the best product, to the best product for an alternative. */
  score: number;
  /** The catalog's image URLs, in catalog order. */
  images: string[];
  imagesUsed: number;
}

/** The answer to one text search. */
export interface SearchResult {
  query: string;
  best: ProductView | null;
  alternatives: ProductView[];
}

/** What one text search asks for. */
export interface SearchInput {
  query: string;
  /** Number of alternatives, default 5. */
  k?: number;
  filter?: SearchFilter;
}

/** What a text search needs. */
export interface SearchDeps {
  text: TextEmbedder;
  store: VectorStore;
}

/** Finds the product nearest to a text query, then the products nearest to that product. */
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
  const [bestHit] = await deps.store.search(vector, { k: 1, filter: input.filter });
  if (!bestHit) return { query, best: null, alternatives: [] };

  const alternatives = await similarTo(bestHit.record, k, deps.store, input.filter);
  return { query, best: toView(bestHit), alternatives };
}

/** The `k` products nearest to product `id` (itself excluded), or null when the store has no such product. */
export async function findSimilar(
  id: string,
  k: number,
  deps: { store: VectorStore },
  filter?: SearchFilter,
): Promise<ProductView[] | null> {
  const record = await deps.store.get(id);
  if (!record) return null;
  return similarTo(record, checkK(k), deps.store, filter);
}

/** Throws ModelMismatchError when the store's vectors come from another model than `text`. */
export function assertSameModel(info: IndexInfo, text: TextEmbedder): void {
  if (info.model !== text.modelId || info.dim !== text.dim) {
    throw new ModelMismatchError(
      `the vector store holds ${info.dim}-d vectors of model "${info.model}" but queries are embedded with ` +
        `${text.dim}-d model "${text.modelId}"; re-ingest the catalog with this model or search with that one`,
    );
  }
}

async function similarTo(
  record: ProductRecord,
  k: number,
  store: VectorStore,
  filter: SearchFilter | undefined,
): Promise<ProductView[]> {
  if (k === 0) return [];
  const hits = await store.search(record.vector, { k, excludeIds: [record.id], filter });
  return hits.filter((h) => h.record.id !== record.id).map(toView);
}

function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 0 || k > MAX_ALTERNATIVES) {
    throw new InputError(
      `number of alternatives must be an integer from 0 to ${MAX_ALTERNATIVES}, got ${k}`,
      'invalid_k',
    );
  }
  return k;
}

function toView(hit: Hit): ProductView {
  const { record, score } = hit;
  return {
    ...record.metadata,
    id: record.id,
    score,
    images: [...record.images],
    imagesUsed: record.imagesUsed,
  };
}
