import type { NotEmbeddedBatch } from './types.ts';

/** Which list of the ResultWriter manifest a result file is in. */
export type ResultGroup = 'FAILED' | 'PENDING' | 'SUCCEEDED';

/** Longest error name and cause kept in the summary (a Lambda error's cause carries its stack trace). */
export const MAX_ERROR_LENGTH = 500;
export const MAX_CAUSE_LENGTH = 2000;

/** Cuts `text` to at most `max` characters, marking the cut. */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function parse(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function ids(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
}

/** The product ids of a child execution's input `{ Items: [{ id }], BatchInput }`; empty when unreadable. */
function inputProductIds(input: string | undefined): string[] {
  const items = (parse(input) as { Items?: unknown } | undefined)?.Items;
  return Array.isArray(items) ? ids(items.map((item) => (item as { id?: unknown } | null)?.id)) : [];
}

/** The error of a batch that was still waiting or running when the map run ended (stopped, say). */
export const NOT_FINISHED = 'not finished when the map run ended';

/**
 * Reads one entry of a ResultWriter result file `{ ExecutionArn, Name, Input, Output, Status, Error, Cause }`:
 * the batch it stands for when that batch produced no embedded batch, undefined when it did. A succeeded
 * child is a failure only when its output is a recorded failure `{ failed: true, productIds, error, cause }`
 * (or cannot be read at all).
 */
export function notEmbeddedBatch(entry: unknown, group: ResultGroup): NotEmbeddedBatch | undefined {
  const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
  const status = str(e.Status) ?? group;
  const execution = str(e.Name) ?? str(e.ExecutionArn);
  const batch = (error: string, cause: string | undefined, productIds: string[]): NotEmbeddedBatch => ({
    productIds,
    error: cut(error, MAX_ERROR_LENGTH),
    ...(cause !== undefined && { cause: cut(cause, MAX_CAUSE_LENGTH) }),
    ...(execution !== undefined && { execution }),
  });
  if (group === 'SUCCEEDED' && status === 'SUCCEEDED') {
    const output = parse(str(e.Output));
    if (typeof output !== 'object' || output === null) {
      return batch('unreadable output', str(e.Output), inputProductIds(str(e.Input)));
    }
    const recorded = output as { failed?: unknown; productIds?: unknown; error?: unknown; cause?: unknown };
    if (recorded.failed !== true) return undefined;
    const productIds = ids(recorded.productIds);
    return batch(
      str(recorded.error) ?? 'unknown error',
      str(recorded.cause),
      productIds.length > 0 ? productIds : inputProductIds(str(e.Input)),
    );
  }
  const error =
    str(e.Error) ??
    (group === 'PENDING' ? `${NOT_FINISHED} (${status})` : `child execution ${status.toLowerCase()}`);
  return batch(error, str(e.Cause), inputProductIds(str(e.Input)));
}
