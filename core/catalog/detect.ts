import { CatalogFormatError } from './catalog-error.ts';
import { CSV_DELIMITERS, csvDelimiter, headerCells } from './csv-header.ts';
import { normalizeNewlines, stripBom } from './lines.ts';
import { rowDelimiter, separatorName } from './row-shape.ts';
import { checkUrl } from './validate.ts';

/** A catalog layout parseCatalog understands. */
export type CatalogFormat = 'urls' | 'csv' | 'jsonl';

const HEADER_CELL = /^[a-z_][a-z0-9 _.-]*$/;

/**
 * Picks the format from the first non-blank line: `{` is JSON Lines, a CSV header naming product_id and
 * image_url (separated by commas, semicolons or tabs) is a product CSV, anything else is a URL list. Throws
 * CatalogFormatError for an empty file, a JSON array, a multi-column CSV header without the two required
 * columns, or a CSV row without a header (a URL followed by other fields).
 */
export function detectFormat(text: string, file: string): CatalogFormat {
  const { line, text: first } = firstNonBlankLine(text, file);
  if (first.startsWith('{')) return 'jsonl';
  if (first.startsWith('[')) {
    throw new CatalogFormatError(
      file,
      line,
      'JSON arrays are not supported; write one object per line (JSON Lines)',
    );
  }
  if (csvDelimiter(first) !== undefined) return 'csv';
  if (looksLikeHeader(first)) {
    throw new CatalogFormatError(
      file,
      line,
      'this looks like a CSV header, but a product CSV needs the columns product_id and image_url ' +
        '(a plain URL list has one image URL per line)',
    );
  }
  const d = rowDelimiter(first);
  if (d !== undefined) {
    throw new CatalogFormatError(
      file,
      line,
      `this looks like a CSV row without a header (fields separated by ${separatorName(d)}), and a URL list ` +
        'has one image URL per line and nothing else; add a header line naming the columns, at least ' +
        'product_id and image_url (e.g. product_id,image_url,name,price)',
    );
  }
  return 'urls';
}

function looksLikeHeader(first: string): boolean {
  if (checkUrl(first).ok) return false;
  return CSV_DELIMITERS.some((d) => {
    const cells = headerCells(first, d);
    return cells.length > 1 && cells.every((c) => HEADER_CELL.test(c));
  });
}

/** The first line with something on it; throws CatalogFormatError when there is none. */
export function firstNonBlankLine(text: string, file: string): { line: number; text: string } {
  const body = normalizeNewlines(stripBom(text));
  let start = 0;
  for (let line = 1; start <= body.length; line++) {
    const nl = body.indexOf('\n', start);
    const end = nl === -1 ? body.length : nl;
    const t = body.slice(start, end).trim();
    if (t !== '') return { line, text: t };
    start = end + 1;
  }
  throw new CatalogFormatError(file, 1, 'the catalog is empty (no non-blank lines)');
}
