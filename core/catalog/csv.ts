import { parse } from 'csv-parse/sync';
import { CappedErrors } from './capped-errors.ts';
import { CatalogFormatError } from './catalog-error.ts';
import type { ProductCollector } from './collector.ts';
import { type CsvHeader, csvDelimiter, readHeader } from './csv-header.ts';
import { describeSyntaxError, isCsvError, Reread, swallowedRow } from './csv-recovery.ts';
import { firstNonBlankLine } from './detect.ts';
import { CATALOG_LIMITS as L } from './limits.ts';
import { normalizeNewlines, stripBom } from './lines.ts';
import { checkId } from './validate.ts';

interface Row {
  cells: string[];
  line: number;
}

/**
 * Reads a `product_id,image_url[,metadata...]` CSV (separated by commas, or by semicolons or tabs when the
 * header is): one row per image, rows of a product in any order, images kept in row order. Spaces around a
 * field are ignored, so `a, "b, c"` is two fields. A CSV syntax error skips that row only; reading resumes on the
 * next line, so a stray opening quote costs its own row and not the rows its quoted field swallowed.
 */
export function parseCsv(text: string, out: ProductCollector): void {
  const normalized = normalizeNewlines(stripBom(text));
  const delimiter = csvDelimiter(firstNonBlankLine(normalized, out.file).text) ?? ',';
  let header: CsvHeader | undefined;
  const onRow = (row: Row): string | undefined => {
    if (row.cells.every((c) => c.trim() === '')) return undefined;
    if (!header) header = readHeader(row.cells, out, row.line);
    else {
      const swallowed = swallowedRow(header, row.cells, row.line, delimiter);
      if (swallowed !== undefined) return swallowed;
      readRow(header, row, delimiter, out);
    }
    return undefined;
  };
  readRows(normalized, delimiter, onRow, out);
  if (!header) throw new CatalogFormatError(out.file, 1, 'the catalog is empty');
}

/** How the row-length hint names each separator. */
const DELIMITER_NAMES: Readonly<Record<string, string>> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

function readRow(h: CsvHeader, row: Row, delimiter: string, out: ProductCollector): boolean {
  const { cells, line } = row;
  if (cells.length > h.names.length) {
    return out.error(
      line,
      `row has ${cells.length} fields but the header has ${h.names.length} ` +
        `(a value with a ${DELIMITER_NAMES[delimiter] ?? JSON.stringify(delimiter)} must be "quoted"); row skipped`,
    );
  }
  const id = checkId(cells[h.idIndex] ?? '', 'product_id');
  if (!id.ok) return out.error(line, `${id.message}; row skipped`);
  const draft = out.open(id.value, line);
  out.addImage(draft, cells[h.urlIndex] ?? '', line);
  for (const [i, key] of h.metadata) out.setMetadata(draft, key, cells[i] ?? '', line);
  return true;
}

// Feeds each CSV record with its first physical line to `onRow`, restarting after syntax errors and after a
// record that `onRow` refuses with a message (it swallowed rows). Reading always goes on to the end: each
// refusal costs its own row; past the first few, refusals are counted in one summary instead of listed.
function readRows(
  text: string,
  delimiter: string,
  onRow: (row: Row) => string | undefined,
  out: ProductCollector,
): void {
  // One buffer for every restart: csv-parse copies a string it is given, which made each restart cost the rest
  // of the file. Line starts are byte offsets (a UTF-8 newline is always the single byte 0x0A).
  const bytes = Buffer.from(text);
  const refused = new CappedErrors(
    out,
    L.maxCsvSyntaxErrorsListed,
    'CSV syntax errors (a stray or unclosed ")',
  );
  let offsetLines = 0;
  let lastEnd = 0;
  let lineStarts: number[] | undefined;
  for (;;) {
    const chunkStart = offsetLines;
    try {
      parse(bytes.subarray(lineStartOf(offsetLines + 1)), {
        raw: true,
        delimiter,
        trim: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        record_delimiter: '\n',
        // With `raw: true` csv-parse hands over `{ record, raw }`, which its typings do not model.
        on_record: (wrapped, ctx) => {
          const end = chunkStart + ctx.lines;
          const { record } = wrapped as unknown as { record: string[] };
          const line = end - countNewlines(ctx.raw ?? '');
          const reread = onRow({ cells: record, line });
          if (reread !== undefined) throw new Reread(line, reread);
          lastEnd = end;
          return null;
        },
      });
      break;
    } catch (e) {
      lineStarts ??= computeLineStarts(bytes);
      let failedAt: number;
      if (e instanceof Reread) {
        failedAt = e.line;
        refused.add(failedAt, e.message);
      } else if (isCsvError(e)) {
        failedAt = firstNonBlankLineAfter(bytes, lineStarts, lastEnd);
        refused.add(failedAt, `${describeSyntaxError(e, failedAt, chunkStart + e.lines)}; row skipped`);
      } else throw e;
      // The row's quoted field may have swallowed the lines after it (a stray opening quote): read them again.
      offsetLines = failedAt;
      lastEnd = offsetLines;
      if (offsetLines >= lineStarts.length) break;
    }
  }
  refused.finish();

  function lineStartOf(line: number): number {
    if (line === 1) return 0;
    lineStarts ??= computeLineStarts(bytes);
    return lineStarts[line - 1] ?? bytes.length;
  }
}

// Newlines inside a record's raw text, ignoring skipped blank lines before it and its own terminator.
function countNewlines(raw: string): number {
  let from = 0;
  while (raw.charCodeAt(from) === 10) from++;
  let to = raw.length;
  if (to > from && raw.charCodeAt(to - 1) === 10) to--;
  let n = 0;
  for (let i = from; i < to; i++) if (raw.charCodeAt(i) === 10) n++;
  return n;
}

function computeLineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return starts;
}

function firstNonBlankLineAfter(bytes: Buffer, starts: number[], line: number): number {
  for (let l = line + 1; l <= starts.length; l++) {
    const s = starts[l - 1] as number;
    const e = starts[l] ?? bytes.length + 1;
    if (bytes.toString('utf8', s, e - 1).trim() !== '') return l;
  }
  return Math.min(line + 1, starts.length);
}
