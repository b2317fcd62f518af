import { z } from 'zod';

/** Run ids become blob key segments, so they are restricted to a safe alphabet. */
export const runIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'expected 1-128 letters, digits, ".", "_" or "-"');
