import { CatalogFormatError } from './catalog-error.ts';
import type { ProductCollector } from './collector.ts';
import { CATALOG_LIMITS as L } from './limits.ts';
import { listNames } from './name-list.ts';
import { checkMetadataKey, quote, RESERVED_METADATA_KEYS } from './validate.ts';

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

/** Field separators a product CSV may use: spreadsheets export `;` in many locales and tabs as "text". */
export const CSV_DELIMITERS = [',', ';', '\t'] as const;

/** Names the API puts on every product itself; a column with one of them would be hidden, so it is ignored. */
const RESERVED_COLUMNS = new Set(RESERVED_METADATA_KEYS.map((k) => k.toLowerCase()));

/** Splits a header line on `delimiter` and returns its cells lower-cased, trimmed and unquoted (for detection). */
export function headerCells(line: string, delimiter = ','): string[] {
  return line.split(delimiter).map((c) =>
    c
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim()
      .toLowerCase(),
  );
}

/** The separator with which `headerLine` names both product_id and image_url, or undefined. */
export function csvDelimiter(headerLine: string): (typeof CSV_DELIMITERS)[number] | undefined {
  return CSV_DELIMITERS.find((d) => {
    const cells = headerCells(headerLine, d);
    return cells.includes('product_id') && cells.includes('image_url');
  });
}

/**
 * Reads the header row; throws CatalogFormatError when a required column is missing or a name is repeated. A
 * column whose name cannot be a metadata field (`prototype`, a control character) is ignored with a warning, and
 * so are the metadata columns past the first CATALOG_LIMITS.maxMetadataFields (one warning naming them all).
 */
export function readHeader(cells: string[], out: ProductCollector, line: number): CsvHeader {
  const names = cells.map((c) =>
    c
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim(),
  );
  const lower = names.map((n) => n.toLowerCase());
  const fail = (detail: string) => new CatalogFormatError(out.file, line, detail);
  const missing = ['product_id', 'image_url'].filter((n) => !lower.includes(n));
  if (missing.length > 0) {
    throw fail(`CSV header lacks ${missing.join(' and ')} (found: ${names.map((n) => quote(n)).join(', ')})`);
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
    if (RESERVED_COLUMNS.has(key)) {
      out.warn(
        line,
        `CSV column ${i + 1} ${quote(names[i] as string)} is a name the search API uses itself; its values are ignored`,
      );
      continue;
    }
    const known = (KNOWN_CSV_COLUMNS as readonly string[]).includes(key);
    const checked = checkMetadataKey(known ? key : (names[i] as string));
    if (!checked.ok) {
      // Like a bad key in JSON Lines, a bad column name loses that field only.
      out.warn(line, `CSV column ${i + 1}: ${checked.message}; its values are ignored`);
      continue;
    }
    metadata.push([i, checked.value]);
  }
  const over = metadata.splice(L.maxMetadataFields);
  if (over.length > 0) {
    const first = (over[0] as [number, string])[0] + 1;
    const last = (over.at(-1) as [number, string])[0] + 1;
    out.warn(
      line,
      `CSV header has ${metadata.length + over.length} metadata columns; the limit is ${L.maxMetadataFields}, ` +
        `so the ${over.length} from column ${first} to ${last} are ignored: ${listNames(over.map(([, k]) => k))}`,
    );
  }
  return { names, idIndex: lower.indexOf('product_id'), urlIndex: lower.indexOf('image_url'), metadata };
}
