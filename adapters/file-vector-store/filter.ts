import { InputError } from '#core/errors.ts';
import type { SearchOptions } from '#core/ports/vector-store.ts';
import { checkFilter } from '#core/search-filter.ts';
import type { Row } from './table.ts';

/** Validates search options and returns the predicate a row must pass (exclusions, then metadata filters). */
export function rowFilter(options: SearchOptions): (row: Row) => boolean {
  if (typeof options !== 'object' || options === null)
    throw new InputError('search options must be an object');
  const { k, excludeIds = [], filter = {} } = options;
  if (!Number.isInteger(k) || k < 0)
    throw new InputError(`search option k must be a non-negative integer, got ${k}`);
  if (!Array.isArray(excludeIds) || excludeIds.some((id) => typeof id !== 'string')) {
    throw new InputError('search option excludeIds must be an array of strings');
  }
  const excluded = new Set(excludeIds);
  const { category, color, priceMin, priceMax, tags } = checkFilter(filter);
  const wantedTags = Object.entries(tags ?? {});
  const hasPrice = priceMin !== undefined || priceMax !== undefined;

  return (row) => {
    if (excluded.has(row.id)) return false;
    const metadata = row.doc.metadata;
    if (category !== undefined && !sameText(metadata.category, category)) return false;
    if (color !== undefined && !sameText(metadata.color, color)) return false;
    if (hasPrice) {
      const price = metadata.price;
      if (typeof price !== 'number') return false;
      if (priceMin !== undefined && price < priceMin) return false;
      if (priceMax !== undefined && price > priceMax) return false;
    }
    // Auto-tags only: a catalog column of the same name is metadata, never matched here.
    const autoTags = row.doc.autoTags;
    for (const [group, value] of wantedTags) {
      if (!sameText(autoTags?.[group]?.value, value)) return false;
    }
    return true;
  };
}

function sameText(value: string | number | undefined, wanted: string): boolean {
  return value !== undefined && String(value).toLowerCase() === wanted;
}
