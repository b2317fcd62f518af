import type { ParsedCatalog } from '#core/catalog/index.ts';
import { catalogProblems, firstProblems } from '#functions/prepare/problems.ts';

/** What `plan` says about the catalog itself: what a run would refuse or drop, and where. */
export interface CatalogSummary {
  file: string;
  format: string;
  /** Catalog lines of which nothing would be ingested (a URL list's line holds one image: any error refuses it). */
  rowsRefused: number;
  /** Errors on lines that still yield a product: an image or a metadata field dropped from it. */
  valuesDropped: number;
  warnings: number;
  /** Problem lines in all (a refused row may have several). */
  problemCount: number;
  /** The first problem lines, `error: file:line: message` / `warning: ...`, as ingest prints them. */
  problems: string[];
  /** Where every problem line is, when there are more than `problems` shows. */
  problemsFile?: string;
}

/**
 * Sorts the parser's errors into refused rows and dropped values: an error on a line where a kept product
 * starts dropped a value of it; any other line with an error yielded nothing. In a URL list every line is one
 * image, so a line with an error is a refused row. Returns the summary and every problem line.
 */
export function summarizeCatalog(
  file: string,
  catalog: Pick<ParsedCatalog, 'format' | 'products' | 'errors' | 'warnings'>,
): { summary: CatalogSummary; allProblems: string[] } {
  const starts = new Set(catalog.products.map((p) => p.source?.line));
  const refusedLines = new Set<number>();
  let valuesDropped = 0;
  for (const error of catalog.errors) {
    if (catalog.format !== 'urls' && starts.has(error.line)) valuesDropped++;
    else refusedLines.add(error.line);
  }
  const allProblems = catalogProblems(catalog);
  const summary = {
    file,
    format: catalog.format,
    rowsRefused: refusedLines.size,
    valuesDropped,
    warnings: catalog.warnings.length,
    problemCount: allProblems.length,
    problems: firstProblems(allProblems),
  };
  return { summary, allProblems };
}

/** The catalog's lines in the plan: the counts, the first problems and where the rest are. */
export function catalogLines(summary: CatalogSummary): string[] {
  const lines = [
    `  catalog: rows refused ${summary.rowsRefused} (not ingested), ` +
      `values dropped ${summary.valuesDropped} (left out of kept products), warnings ${summary.warnings}`,
    ...summary.problems.map((p) => `  ${p}`),
  ];
  const more = summary.problemCount - summary.problems.length;
  if (more > 0) {
    lines.push(
      `  ... and ${more} more${summary.problemsFile ? `, all listed in ${summary.problemsFile}` : ''}`,
    );
  }
  return lines;
}
