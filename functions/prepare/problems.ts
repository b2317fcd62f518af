import type { ParsedCatalog } from '#core/catalog/index.ts';

/** Problem lines returned in PrepareResult.firstProblems; the full list goes to the problems file. */
export const MAX_RETURNED_PROBLEMS = 20;

/** Longest problem line returned to the state machine (a line can quote a 2 KB URL). */
export const MAX_PROBLEM_LENGTH = 500;

/** Every refused row and warning of a parsed catalog as `error: file:line: message` / `warning: ...` lines. */
export function catalogProblems(catalog: Pick<ParsedCatalog, 'errors' | 'warnings'>): string[] {
  return [
    ...catalog.errors.map((e) => `error: ${e.toString()}`),
    ...catalog.warnings.map((w) => `warning: ${w.toString()}`),
  ];
}

/** The first problem lines, each cut to a bounded length. */
export function firstProblems(lines: readonly string[]): string[] {
  return lines
    .slice(0, MAX_RETURNED_PROBLEMS)
    .map((line) => (line.length > MAX_PROBLEM_LENGTH ? `${line.slice(0, MAX_PROBLEM_LENGTH - 1)}…` : line));
}
