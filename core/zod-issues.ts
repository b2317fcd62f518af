import type { z } from 'zod';

/** How formatIssues writes a list of issues. */
export interface FormatIssuesOptions {
  /** Shown for an issue about the value as a whole; default `(root)`. */
  root?: string;
  /** Issues quoted at most; default 5. */
  max?: number;
}

/** One line naming each zod issue's path and message: `items.0.images.1.url: Too big; ...`. */
export function formatIssues(error: z.ZodError, options: FormatIssuesOptions = {}): string {
  const { root = '(root)', max = 5 } = options;
  return error.issues
    .slice(0, max)
    .map((i) => `${i.path.join('.') || root}: ${i.message}`)
    .join('; ');
}
