import { InputError } from './errors.ts';
import type { SearchFilter } from './ports/vector-store.ts';
import { TAG_GROUP_NAMES } from './tags/vocabulary.ts';

/** A SearchFilter checked and normalised the way every VectorStore matches it: text lower-cased, numbers finite. */
export interface CheckedFilter {
  category?: string;
  color?: string;
  priceMin?: number;
  priceMax?: number;
  /** Lower-cased auto-tag values by group; absent when no tag is filtered. */
  tags?: Record<string, string>;
}

/** Checks a filter's values (a store may be called with anything); throws InputError naming the bad field. */
export function checkFilter(filter: SearchFilter): CheckedFilter {
  return {
    category: textFilter(filter.category, 'category'),
    color: textFilter(filter.color, 'color'),
    priceMin: numberFilter(filter.priceMin, 'priceMin'),
    priceMax: numberFilter(filter.priceMax, 'priceMax'),
    ...tagsFilter(filter.tags),
  };
}

function tagsFilter(tags: unknown): { tags?: Record<string, string> } {
  if (tags === undefined) return {};
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    throw new InputError('search filter tags must be an object of group: value');
  }
  const out: Record<string, string> = {};
  for (const [group, value] of Object.entries(tags)) {
    if (!TAG_GROUP_NAMES.includes(group)) {
      throw new InputError(`search filter tags.${group}: not a tag group (${TAG_GROUP_NAMES.join(', ')})`);
    }
    const text = textFilter(value, `tags.${group}`);
    if (text !== undefined) out[group] = text;
  }
  return Object.keys(out).length > 0 ? { tags: out } : {};
}

function textFilter(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InputError(`search filter ${name} must be a string`);
  return value.toLowerCase();
}

function numberFilter(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InputError(`search filter ${name} must be a finite number`);
  }
  return value;
}
