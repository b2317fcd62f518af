import { InputError } from '#core/errors.ts';
import type { Facets, VectorStore } from '#core/ports/vector-store.ts';
import { metadataFor, TAG_VOCABULARY, tagGroup } from '#core/tags/vocabulary.ts';

export type { Facets };

/** `GET /api/facets`: the store's facets, each auto-tag group with its label and marked `auto`. */
export interface FacetsView extends Omit<Facets, 'autoTags'> {
  /** Groups the catalog has no column for (its metadata wins where it has one), filterable with `tag_<group>`. */
  autoTags: { group: string; label: string; auto: true; values: string[] }[];
}

/** The facets as the API answers them. */
export function facetsView(facets: Facets): FacetsView {
  return {
    ...facets,
    autoTags: facets.autoTags.map((t) => ({
      group: t.group,
      label: tagGroup(t.group)?.label ?? t.group,
      auto: true,
      values: [...t.values],
    })),
  };
}

/**
 * Refuses an auto-tag filter on a group the catalog has a column for (its metadata wins there): 400
 * `filter_unavailable`, naming the column's group.
 */
export function assertTagFiltersOffered(groups: Iterable<string>, facets: Facets): void {
  const offered = new Set(facets.autoTags.map((t) => t.group));
  for (const group of groups) {
    if (offered.has(group)) continue;
    const columns = tagGroup(group)?.columns.join(' or ') ?? group;
    throw new InputError(
      `"tag_${group}" is not available: this catalog has its own ${columns} column, which wins over auto-tags`,
      'filter_unavailable',
    );
  }
}

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
  const tags = new Map(TAG_VOCABULARY.map((g) => [g.name, new Map<string, string>()]));
  const columns = new Set<string>();
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
    for (const group of TAG_VOCABULARY) {
      if (!columns.has(group.name) && metadataFor(group, m)) columns.add(group.name);
      const tag = record.autoTags?.[group.name];
      if (tag) remember(tags.get(group.name) as Map<string, string>, tag.value);
    }
  }
  return {
    categories: sorted(categories),
    colors: sorted(colors),
    price: products > 0 && min <= max ? { min, max } : null,
    products,
    // Catalog metadata wins: a group whose column any product has gets no auto-tag facet.
    autoTags: TAG_VOCABULARY.filter((g) => !columns.has(g.name)).map((g) => ({
      group: g.name,
      values: sorted(tags.get(g.name) as Map<string, string>),
    })),
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
