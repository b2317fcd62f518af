import { mapLimit } from '#core/concurrency.ts';
import { contentHashOf } from '#core/contracts/run-layout.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';

const CONCURRENCY = 32;

/** What the stored products and their URLs' current records reference: gc keeps exactly these. */
export interface References {
  products: number;
  maskedKeys: Set<string>;
  /** Content hashes of the originals the masks were made from (`originals/<hash>.<ext>`). */
  originalHashes: Set<string>;
  /** `urls/<sha256>.json` of every URL a stored product lists. */
  urlRecordKeys: Set<string>;
  /** Originals those URL records point to (the URL's latest image, even where its product did not use it). */
  originalKeys: Set<string>;
}

/** Collects the references of every product in `stores` (one per embedding model) and their URL records. */
export async function collectReferences(stores: VectorStore[], blobs: BlobStore): Promise<References> {
  const refs: References = {
    products: 0,
    maskedKeys: new Set(),
    originalHashes: new Set(),
    urlRecordKeys: new Set(),
    originalKeys: new Set(),
  };
  for (const store of stores) {
    const ids: string[] = [];
    for await (const id of store.listIds()) ids.push(id);
    // Several gets in flight: a remote store (Atlas) answers each in a round trip.
    await mapLimit(ids, CONCURRENCY, async (id) => {
      const record = await store.get(id);
      if (!record) return;
      refs.products++;
      for (const key of record.maskedKeys ?? []) {
        if (!key) continue;
        refs.maskedKeys.add(key);
        refs.originalHashes.add(contentHashOf(key));
      }
      for (const url of record.images) refs.urlRecordKeys.add(urlRecordKey(url));
    });
  }
  const pointed = await mapLimit([...refs.urlRecordKeys], CONCURRENCY, (key) => originalOf(blobs, key));
  for (const key of pointed) if (key) refs.originalKeys.add(key);
  return refs;
}

/** The original a URL record points to; undefined when there is no record or it is unreadable. */
async function originalOf(blobs: BlobStore, key: string): Promise<string | undefined> {
  try {
    const record = JSON.parse(Buffer.from(await blobs.get(key)).toString('utf8')) as {
      originalKey?: unknown;
    };
    return typeof record.originalKey === 'string' ? record.originalKey : undefined;
  } catch {
    return undefined;
  }
}
