import type { CatalogProduct } from '#core/types.ts';
import { type CatalogError, CatalogFormatError } from './catalog-error.ts';
import { ProductCollector } from './collector.ts';
import { parseCsv } from './csv.ts';
import { type CatalogFormat, detectFormat, firstNonBlankLine } from './detect.ts';
import { parseJsonl } from './jsonl.ts';
import { CATALOG_LIMITS as L } from './limits.ts';
import { normalizeNewlines, stripBom } from './lines.ts';
import { parseUrlList } from './url-list.ts';

/** How to read a catalog. */
export interface ParseCatalogOptions {
  /** Name used in every error (usually the path). */
  file: string;
  format?: 'auto' | CatalogFormat;
  /** Images per product in a URL list (default 3). */
  groupSize?: number;
}

/** Products read from a catalog, plus every problem found, each with its file and line. */
export interface ParsedCatalog {
  format: CatalogFormat;
  products: CatalogProduct[];
  /** Rows or values that were refused; the rest of the catalog is still read. */
  errors: CatalogError[];
  /** Things accepted but worth a look (short last group, duplicate image, conflicting metadata). */
  warnings: CatalogError[];
}

const FORMATS = new Set(['auto', 'urls', 'csv', 'jsonl']);

/**
 * Parses a catalog in any supported format; LF, CRLF and CR line breaks are all accepted. A bad row never stops
 * the others; a problem with the whole file (empty, unknown header, bad options) throws CatalogFormatError.
 */
export function parseCatalog(text: string, options: ParseCatalogOptions): ParsedCatalog {
  const { file, format = 'auto', groupSize = 3 } = options;
  if (!FORMATS.has(format)) {
    throw new CatalogFormatError(
      file,
      1,
      `unknown catalog format "${format}" (use auto, urls, csv or jsonl)`,
    );
  }
  if (!Number.isInteger(groupSize) || groupSize < 1 || groupSize > L.maxImagesPerProduct) {
    throw new CatalogFormatError(
      file,
      1,
      `groupSize must be a whole number from 1 to ${L.maxImagesPerProduct}, got ${groupSize}`,
    );
  }
  const body = normalizeNewlines(stripBom(text));
  firstNonBlankLine(body, file);
  const chosen = format === 'auto' ? detectFormat(body, file) : format;
  const out = new ProductCollector(file);
  if (chosen === 'urls') parseUrlList(body, groupSize, out);
  else if (chosen === 'csv') parseCsv(body, out);
  else parseJsonl(body, out);
  const products = out.finish();
  return { format: chosen, products, errors: out.errors, warnings: out.warnings };
}
