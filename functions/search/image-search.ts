import type { ImageEmbedder, Segmenter } from '#core/ports/models.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import { assertImage, embedPrepared, prepareForEmbedding } from './image-query.ts';
import type { QueryImage, QueryImageSource } from './image-request.ts';
import { assertSameModel, type SearchOptions, type SearchResult, searchByVector } from './run-search.ts';

/** The answer to an image search: a text search's shape, `query` empty, and where the image came from. */
export interface ImageSearchResult extends SearchResult {
  queryImage: QueryImageSource;
}

/** What an image search needs; models are loaded on first use. */
export interface ImageSearchDeps {
  store: VectorStore;
  segmenter: () => Promise<Segmenter>;
  embedder: () => Promise<ImageEmbedder>;
  background: readonly [number, number, number];
  maxPixels: number;
  duplicateThreshold?: number;
  /** Runs the model work; the API passes a queue so that concurrent searches take turns. */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}

/**
 * Finds the product nearest to an image, put through the catalog's segmentation and embedding, then its
 * distinct look-alikes. Throws InputError for bytes that are no usable image, before loading any model.
 */
export async function runImageSearch(
  image: QueryImage,
  options: SearchOptions,
  deps: ImageSearchDeps,
): Promise<ImageSearchResult> {
  await assertImage(image.bytes, image.contentType, deps.maxPixels);
  const empty = { query: '', best: null, alternatives: [], queryImage: image.source };
  const info = await deps.store.info();
  if (info === null) return empty;
  const exclusive = deps.exclusive ?? ((work) => work());
  const vector = await exclusive(async () => {
    const embedder = await deps.embedder();
    assertSameModel(info, embedder);
    const prepared = await prepareForEmbedding(image.bytes, {
      segmenter: await deps.segmenter(),
      background: deps.background,
      maxPixels: deps.maxPixels,
      embedder,
    });
    return embedPrepared(prepared, embedder);
  });
  return { ...empty, ...(await searchByVector(vector, options, deps)) };
}
