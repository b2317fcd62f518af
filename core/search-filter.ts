import { InputError } from './errors.ts';
import type { SearchFilter } from './ports/vector-store.ts';

/** A SearchFilter checked and normalised the way every VectorStore matches it: text lower-cased, numbers finite. */
export interface CheckedFilter {
  category?: string;
  color?: string;
  priceMin?: number;
  priceMax?: number;
}

/** Checks a filter's values (a store may be called with anything); throws InputError naming the bad field. */
export function checkFilter(filter: SearchFilter): CheckedFilter {
  return {
    category: textFilter(filter.category, 'category'),
    color: textFilter(filter.color, 'color'),
    priceMin: numberFilter(filter.priceMin, 'priceMin'),
    priceMax: numberFilter(filter.priceMax, 'priceMax'),
  };
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
