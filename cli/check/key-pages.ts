import type { BlobStore } from '#core/ports/blob-store.ts';

/**
 * The keys under a prefix, in sorted order, a page at a time: the local check lists a folder at once (one
 * page), `check --cloud` reads ListObjectsV2 pages so the bucket's listing is never held whole.
 */
export type KeyPages = AsyncIterable<string[]>;

/** Every key under `prefix` as one page (`BlobStore.list`). */
export async function* listedAtOnce(blobs: BlobStore, prefix: string): AsyncGenerator<string[]> {
  yield await blobs.list(prefix);
}
