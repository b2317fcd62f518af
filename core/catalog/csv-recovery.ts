import type { CsvHeader } from './csv-header.ts';
import { checkUrl } from './validate.ts';

/** Thrown from a record callback: refuse the record's first line and read again from the line after it. */
export class Reread {
  constructor(
    readonly line: number,
    readonly message: string,
  ) {}
}

/**
 * Why a record starting on `line` is refused when one of its multi-line values holds a line that reads as a
 * product row (an id, then an http URL in the image_url column): a stray opening quote that found a closing
 * quote further down and swallowed the rows in between. Undefined for any other record.
 */
export function swallowedRow(
  h: CsvHeader,
  cells: readonly string[],
  line: number,
  delimiter: string,
): string | undefined {
  let linesBefore = 0;
  for (const cell of cells) {
    if (!cell.includes('\n')) continue;
    const inner = cell.split('\n');
    for (let i = 1; i < inner.length; i++) {
      const parts = (inner[i] as string).split(delimiter);
      if ((parts[h.idIndex] ?? '').trim() !== '' && checkUrl(parts[h.urlIndex] ?? '').ok) {
        return (
          'a quoted field in this row is not closed on its line (a stray "?): read as a multi-line value ' +
          `it swallows line ${line + linesBefore + i}, which reads as a product row; row skipped`
        );
      }
    }
    linesBefore += inner.length - 1;
  }
  return undefined;
}

/** A syntax error thrown by csv-parse; `lines` is the line it was found on, counted from where parsing began. */
export interface CsvSyntaxError extends Error {
  code: string;
  lines: number;
}

export function isCsvError(e: unknown): e is CsvSyntaxError {
  const c = e as Partial<CsvSyntaxError>;
  return (
    e instanceof Error &&
    typeof c.code === 'string' &&
    c.code.startsWith('CSV_') &&
    typeof c.lines === 'number'
  );
}

/**
 * Says what is wrong with the row starting on `rowLine`; an error found on a later line means a quoted field
 * ran past the end of the row's line.
 */
export function describeSyntaxError(e: CsvSyntaxError, rowLine: number, errorLine: number): string {
  if (e.code === 'CSV_QUOTE_NOT_CLOSED' || errorLine <= rowLine) return describe(e);
  return (
    'a quoted field in this row is not closed on its line (a stray "?); read as a multi-line value it ' +
    `fails on line ${errorLine}: ${describe(e)}`
  );
}

function describe(e: CsvSyntaxError): string {
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a closing quote is followed by other characters (write "" for a quote inside a quoted field)';
    default:
      return `CSV syntax error: ${e.message.replace(/ at line \d+/, '')}`;
  }
}
