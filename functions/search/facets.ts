import type { Facets, VectorStore } from '#core/ports/vector-store.ts';

export type { Facets };

/** Most distinct values listed per facet; a catalog with more lists the first ones found, sorted. */
export const MAX_FACET_VALUES = 500;

/** The store's own facets query where it has one; otherwise reads every stored record, streaming ids. */
export async function computeFacets(store: VectorStore): Promise<Facets> {
  if (store.facets) return store.facets(MAX_FACET_VALUES);
  const categories = new Map<string, string>();
  const colors = new Map<string, string>();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let products = 0;
  for await (const id of store.listIds()) {
    const record = await store.get(id);
    if (!record) continue;
    products++;
    const m = record.metadata;
    remember(categories, m.category);
    remember(colors, m.color);
    if (typeof m.price === 'number' && Number.isFinite(m.price)) {
      min = Math.min(min, m.price);
      max = Math.max(max, m.price);
    }
  }
  return {
    categories: sorted(categories),
    colors: sorted(colors),
    price: products > 0 && min <= max ? { min, max } : null,
    products,
  };
}

/**
 * Facets computed once and reused while the store's product count and model stay the same, for at most
 * `maxAgeMs` (default 5 minutes), so a store rewritten in place is seen again.
 */
export function cachedFacets(
  store: VectorStore,
  options: { maxAgeMs?: number; now?: () => number } = {},
): () => Promise<Facets> {
  const maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { key: string; at: number; facets: Promise<Facets> } | undefined;
  return async () => {
    const [count, info] = await Promise.all([store.count(), store.info()]);
    const key = `${count}:${info?.model ?? ''}:${info?.dim ?? 0}`;
    if (!cached || cached.key !== key || now() - cached.at > maxAgeMs) {
      const facets = computeFacets(store);
      cached = { key, at: now(), facets };
      facets.catch(() => {
        if (cached?.facets === facets) cached = undefined;
      });
    }
    return cached.facets;
  };
}

function remember(seen: Map<string, string>, value: unknown): void {
  if (typeof value !== 'string' && typeof value !== 'number') return;
  const text = String(value).trim();
  if (text === '' || seen.size >= MAX_FACET_VALUES) return;
  const key = text.toLowerCase();
  if (!seen.has(key)) seen.set(key, text);
}

function sorted(seen: Map<string, string>): string[] {
  return [...seen.values()].sort((a, b) => a.localeCompare(b, 'en'));
}
