import type { StoredDoc } from '#core/product-record.ts';
import { type Facet, facetPrice, facetText, type RowFilter, tagFacetsOf } from './filter.ts';

/** The code of a row that has no value for a facet. */
const NONE = -1;

/** The rows a filter keeps: their indices in ascending order (the first `count` of `list`). */
export interface Selection {
  list: Int32Array;
  count: number;
}

/**
 * The filterable fields of every row in typed-array columns, parallel to the table's rows and kept up to date
 * on every write: each text facet (category, colour, one per auto-tag group) as a code per row, the lower-cased
 * text numbered once in a dictionary, and the price as a number (NaN where there is none). A filter is then one
 * tight loop over integers instead of a walk through every row's parsed doc.
 */
export class FacetColumns {
  private capacity = 0;
  private readonly codes = new Map<Facet, Int32Array>([
    ['category', new Int32Array(0)],
    ['color', new Int32Array(0)],
  ]);
  private readonly dictionary = new Map<string, number>();
  private prices = new Float64Array(0);

  /** Sets row `index` from its doc. */
  set(index: number, doc: StoredDoc): void {
    if (index >= this.capacity) this.grow(Math.max(index + 1, this.capacity * 2, 64));
    for (const facet of tagFacetsOf(doc)) {
      if (!this.codes.has(facet)) this.codes.set(facet, new Int32Array(this.capacity).fill(NONE));
    }
    for (const [facet, codes] of this.codes) codes[index] = this.codeOf(facetText(doc, facet));
    this.prices[index] = facetPrice(doc);
  }

  /** Copies row `from` onto row `to` (the table fills a deleted row with its last one). */
  move(from: number, to: number): void {
    for (const codes of this.codes.values()) codes[to] = codes[from] as number;
    this.prices[to] = this.prices[from] as number;
  }

  /**
   * The first `rows` rows that `filter`'s metadata conditions keep (exclusions are the table's); null when it has
   * none, so every row is kept. The first condition walks every row, each further one only the rows kept so far.
   */
  select(filter: RowFilter, rows: number): Selection | null {
    const hasPrice = filter.priceMin !== undefined || filter.priceMax !== undefined;
    if (filter.text.length === 0 && !hasPrice) return null;
    const list = new Int32Array(rows);
    let count = -1;
    for (const { facet, value } of filter.text) {
      const codes = this.codes.get(facet);
      const code = this.dictionary.get(value);
      if (codes === undefined || code === undefined) return { list, count: 0 };
      count = count < 0 ? keepAll(rows, list, codes, code) : keepSome(list, count, codes, code);
      if (count === 0) return { list, count };
    }
    if (hasPrice) {
      const min = filter.priceMin ?? Number.NEGATIVE_INFINITY;
      const max = filter.priceMax ?? Number.POSITIVE_INFINITY;
      count = keepPrices(this.prices, rows, list, count, min, max);
    }
    return { list, count };
  }

  private codeOf(text: string | undefined): number {
    if (text === undefined) return NONE;
    let code = this.dictionary.get(text);
    if (code === undefined) {
      code = this.dictionary.size;
      this.dictionary.set(text, code);
    }
    return code;
  }

  private grow(capacity: number): void {
    for (const [facet, codes] of this.codes) {
      const grown = new Int32Array(capacity).fill(NONE);
      grown.set(codes);
      this.codes.set(facet, grown);
    }
    const prices = new Float64Array(capacity).fill(Number.NaN);
    prices.set(this.prices);
    this.prices = prices;
    this.capacity = capacity;
  }
}

/** Writes the indices of the rows whose code is `code` into `list`; returns how many. */
function keepAll(rows: number, list: Int32Array, codes: Int32Array, code: number): number {
  let count = 0;
  for (let i = 0; i < rows; i++) if (codes[i] === code) list[count++] = i;
  return count;
}

/** Keeps, in place, the listed rows whose code is `code`; returns how many. */
function keepSome(list: Int32Array, count: number, codes: Int32Array, code: number): number {
  let kept = 0;
  for (let j = 0; j < count; j++) {
    const i = list[j] as number;
    if (codes[i] === code) list[kept++] = i;
  }
  return kept;
}

/** Keeps the rows (all of them when `count` < 0, else the listed ones) priced within [min, max]. */
function keepPrices(
  prices: Float64Array,
  rows: number,
  list: Int32Array,
  count: number,
  min: number,
  max: number,
): number {
  let kept = 0;
  if (count < 0) {
    for (let i = 0; i < rows; i++) {
      const price = prices[i] as number;
      if (price >= min && price <= max) list[kept++] = i;
    }
    return kept;
  }
  for (let j = 0; j < count; j++) {
    const i = list[j] as number;
    const price = prices[i] as number;
    if (price >= min && price <= max) list[kept++] = i;
  }
  return kept;
}
