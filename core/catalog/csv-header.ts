import { CatalogFormatError } from './catalog-error.ts';
import type { ProductCollector } from './collector.ts';
import { CATALOG_LIMITS as L } from './limits.ts';
import { checkMetadataKey, quote } from './validate.ts';

/** Metadata columns with a fixed meaning, matched case-insensitively. */
export const KNOWN_CSV_COLUMNS = ['name', 'category', 'color', 'price', 'product_url'] as const;

/** Where the columns of a product CSV are. */
export interface CsvHeader {
  names: string[];
  idIndex: number;
  urlIndex: number;
  /** Column index and metadata key of every other named column. */
  metadata: [number, string][];
}

/** Splits a header line on commas and returns its cells lower-cased, trimmed and unquoted (for detection). */
export function headerCells(line: string): string[] {
  return line.split(',').map((c) =>
    c
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim()
      .toLowerCase(),
  );
}

/** Reads the header row; throws CatalogFormatError when a required column is missing or a name is bad. */
export function readHeader(cells: string[], out: ProductCollector, line: number): CsvHeader {
  const names = cells.map((c) => c.trim());
  const lower = names.map((n) => n.toLowerCase());
  const fail = (detail: string) => new CatalogFormatError(out.file, line, detail);
  const missing = ['product_id', 'image_url'].filter((n) => !lower.includes(n));
  if (missing.length > 0) {
    throw fail(`CSV header lacks ${missing.join(' and ')} (found: ${names.map((n) => quote(n)).join(', ')})`);
  }
  if (names.length > L.maxMetadataFields + 2) {
    throw fail(`CSV header has ${names.length} columns; the limit is ${L.maxMetadataFields + 2}`);
  }
  const seen = new Set<string>();
  const metadata: [number, string][] = [];
  for (const [i, key] of lower.entries()) {
    if (key === '') {
      out.warn(line, `CSV column ${i + 1} has no name; its values are ignored`);
      continue;
    }
    if (seen.has(key)) throw fail(`CSV header names column ${quote(key)} twice`);
    seen.add(key);
    if (key === 'product_id' || key === 'image_url') continue;
    const known = (KNOWN_CSV_COLUMNS as readonly string[]).includes(key);
    const checked = checkMetadataKey(known ? key : (names[i] as string));
    if (!checked.ok) throw fail(`CSV column ${i + 1}: ${checked.message}`);
    metadata.push([i, checked.value]);
  }
  return { names, idIndex: lower.indexOf('product_id'), urlIndex: lower.indexOf('image_url'), metadata };
}
