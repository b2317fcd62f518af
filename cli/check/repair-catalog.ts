import { PREFIXES } from '#core/contracts/run-layout.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import type { ProductMetadata } from '#core/types.ts';

/** A product as a catalog lists it: what an ingest needs to store it again. */
export interface CatalogProduct {
  id: string;
  imageUrls: string[];
  metadata: ProductMetadata;
}

/**
 * Finds what each product looked like in the catalog: first in the newest run's `items.json` that lists it
 * (the latest catalog, even when the index lost that version), else in the store's surviving record.
 * Returns the products found, and the ids found nowhere.
 */
export async function findCatalogProducts(
  ids: string[],
  blobs: BlobStore,
  store: VectorStore | null,
): Promise<{ found: CatalogProduct[]; unknown: string[] }> {
  const pending = new Set(ids);
  const found = new Map<string, CatalogProduct>();
  const itemFiles = (await blobs.list(PREFIXES.runs))
    .filter((k) => /^runs\/[^/]+\/items\.json$/.test(k))
    .reverse();
  for (const key of itemFiles) {
    if (pending.size === 0) break;
    for (const item of await readItems(blobs, key)) {
      if (!pending.has(item.id)) continue;
      pending.delete(item.id);
      found.set(item.id, item);
    }
  }
  for (const id of [...pending]) {
    const record = await store?.get(id);
    if (!record) continue;
    pending.delete(id);
    found.set(id, { id, imageUrls: record.images, metadata: record.metadata });
  }
  return { found: ids.flatMap((id) => found.get(id) ?? []), unknown: [...pending] };
}

/** A product CSV (`product_id,image_url,<metadata...>`, one row per image) that `threadfinder ingest` reads. */
export function catalogCsv(products: CatalogProduct[]): string {
  const keys = [...new Set(products.flatMap((p) => Object.keys(p.metadata)))].sort();
  const rows = [['product_id', 'image_url', ...keys]];
  for (const p of products) {
    for (const url of p.imageUrls) rows.push([p.id, url, ...keys.map((k) => String(p.metadata[k] ?? ''))]);
  }
  return `${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

function csvField(value: string): string {
  return /[",;\t\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

async function readItems(blobs: BlobStore, key: string): Promise<CatalogProduct[]> {
  let items: unknown;
  try {
    items = JSON.parse(Buffer.from(await blobs.get(key)).toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(items)) return [];
  return items.flatMap((item: { id?: unknown; metadata?: unknown; images?: { url?: unknown }[] }) => {
    if (typeof item?.id !== 'string' || !Array.isArray(item.images)) return [];
    const imageUrls = item.images.flatMap((i) => (typeof i?.url === 'string' ? [i.url] : []));
    const metadata = (
      typeof item.metadata === 'object' && item.metadata !== null ? item.metadata : {}
    ) as ProductMetadata;
    return [{ id: item.id, imageUrls, metadata }];
  });
}
