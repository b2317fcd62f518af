import { InputError } from '#core/errors.ts';
import type { SearchOptions } from '#core/ports/vector-store.ts';
import type { StoredDoc } from '#core/product-record.ts';
import { checkFilter } from '#core/search-filter.ts';

/** A text facet of a row: `category`, `color`, or `tag:<group>` (the product's auto-tag in that group). */
export type Facet = string;

/** What a search keeps, checked: rows must equal every text facet, lie in the price range and not be excluded. */
export interface RowFilter {
  excludeIds: string[];
  /** Wanted text per facet, lower-cased. */
  text: { facet: Facet; value: string }[];
  priceMin?: number;
  priceMax?: number;
}

/** Validates search options and returns what a row must pass (exclusions, then metadata filters). */
export function rowFilter(options: SearchOptions): RowFilter {
  if (typeof options !== 'object' || options === null)
    throw new InputError('search options must be an object');
  const { k, excludeIds = [], filter = {} } = options;
  if (!Number.isInteger(k) || k < 0)
    throw new InputError(`search option k must be a non-negative integer, got ${k}`);
  if (!Array.isArray(excludeIds) || excludeIds.some((id) => typeof id !== 'string')) {
    throw new InputError('search option excludeIds must be an array of strings');
  }
  const { category, color, priceMin, priceMax, tags } = checkFilter(filter);
  const text: RowFilter['text'] = [];
  if (category !== undefined) text.push({ facet: 'category', value: category });
  if (color !== undefined) text.push({ facet: 'color', value: color });
  // Auto-tags only: a catalog column of the same name is metadata, never matched here.
  for (const [group, value] of Object.entries(tags ?? {})) text.push({ facet: tagFacet(group), value });
  return {
    excludeIds: [...excludeIds],
    text,
    ...(priceMin !== undefined && { priceMin }),
    ...(priceMax !== undefined && { priceMax }),
  };
}

/** True when the filter holds a metadata condition (not only exclusions). */
export function isSelective(filter: RowFilter): boolean {
  return filter.text.length > 0 || filter.priceMin !== undefined || filter.priceMax !== undefined;
}

const TAG_PREFIX = 'tag:';

function tagFacet(group: string): Facet {
  return `${TAG_PREFIX}${group}`;
}

/** The text facets a doc holds beyond category and colour: one per auto-tag group. */
export function tagFacetsOf(doc: StoredDoc): Facet[] {
  const tags = doc.autoTags;
  return typeof tags === 'object' && tags !== null ? Object.keys(tags).map(tagFacet) : [];
}

/** A doc's value of a text facet, lower-cased, as a filter compares it; undefined when it has none. */
export function facetText(doc: StoredDoc, facet: Facet): string | undefined {
  const value: unknown = facet.startsWith(TAG_PREFIX)
    ? doc.autoTags?.[facet.slice(TAG_PREFIX.length)]?.value
    : doc.metadata?.[facet];
  return value === undefined ? undefined : String(value).toLowerCase();
}

/** A doc's price as a filter compares it: NaN when it has no numeric price (no price range keeps it). */
export function facetPrice(doc: StoredDoc): number {
  const price = doc.metadata?.price;
  return typeof price === 'number' ? price : Number.NaN;
}

/** The filter as a predicate over one doc: the definition the table's facet columns must agree with. */
export function matchesDoc(filter: RowFilter, id: string, doc: StoredDoc): boolean {
  if (filter.excludeIds.includes(id)) return false;
  for (const { facet, value } of filter.text) if (facetText(doc, facet) !== value) return false;
  if (filter.priceMin !== undefined || filter.priceMax !== undefined) {
    const price = facetPrice(doc);
    if (!(price >= (filter.priceMin ?? Number.NEGATIVE_INFINITY))) return false;
    if (!(price <= (filter.priceMax ?? Number.POSITIVE_INFINITY))) return false;
  }
  return true;
}
