import { mapLimit } from '#core/concurrency.ts';
import { maskedKeys, maskKeys } from '#core/contracts/run-layout.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import type { CatalogProduct } from '#core/types.ts';
import { canonicalUrl, readUrlRecord } from '#functions/download/url-record.ts';
import type { Workload } from './estimate.ts';

/** What the data dir already holds for a catalog, image by image, and so what a run would have to do. */
export interface Inventory extends Workload {
  /** Images whose original is stored (fresh or not). */
  originals: number;
  /** Of those, the ones the host said are still fresh: no request at all. */
  fresh: number;
  /** Images masked with the configured segmenter and background. */
  masks: number;
  /** Products already in the index. */
  vectors: number;
}

/** Where to look: the data dir's blobs and index, and how masks are keyed for the configured models. */
export interface InventoryDeps {
  blobs: BlobStore;
  store: VectorStore;
  segmenterId: string;
  background: readonly [number, number, number];
  now?: number;
}

/** Counts, without a request or a model, what of `products` is already stored, fresh and masked. */
export async function takeInventory(products: CatalogProduct[], deps: InventoryDeps): Promise<Inventory> {
  const now = deps.now ?? Date.now();
  const urls = [...new Set(products.flatMap((p) => p.images.map(canonicalUrl)))];
  const hosts = new Set<string>();
  const counts = { originals: 0, fresh: 0, masks: 0 };
  await mapLimit(urls, 16, async (url) => {
    hosts.add(hostOf(url));
    const record = await readUrlRecord(deps.blobs, url);
    if (!record || !(await deps.blobs.has(record.originalKey))) return;
    counts.originals++;
    if (record.maxAgeUntil !== undefined && now < Date.parse(record.maxAgeUntil)) counts.fresh++;
    // A mask, or a cut-out stored before masks: either spares the segmentation.
    const masks = maskKeys(record.originalKey, deps.segmenterId);
    const legacy = maskedKeys(record.originalKey, deps.segmenterId, deps.background);
    for (const key of [masks.found, masks.notFound, legacy.found, legacy.notFound]) {
      if (!(await deps.blobs.has(key))) continue;
      counts.masks++;
      break;
    }
  });
  let vectors = 0;
  await mapLimit(products, 16, async (p) => {
    if (await deps.store.get(p.id)) vectors++;
  });
  const images = urls.length;
  return {
    products: products.length,
    images,
    hosts: hosts.size,
    ...counts,
    vectors,
    toDownload: images - counts.fresh,
    toSegment: images - counts.masks,
    // Every image of a run is embedded again (no embedding cache yet).
    toEmbed: images,
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
