import type { Document } from 'mongodb';
import { ThreadfinderError } from '#core/errors.ts';

/** The fields of a `listSearchIndexes` entry that the wait looks at. */
export interface SearchIndexState {
  name: string;
  /** PENDING, BUILDING, READY, FAILED, STALE, DELETING or DOES_NOT_EXIST. */
  status?: string;
  queryable?: boolean;
  latestDefinition?: Document;
}

/** What `waitForSearchIndex` needs; `sleep` and `now` are injectable for tests. */
export interface WaitForSearchIndexOptions {
  name: string;
  /** `db.collection`, for messages. */
  where: string;
  list: () => Promise<SearchIndexState[]>;
  /** Extra condition on a READY index (e.g. it already has the latest definition). */
  isCurrent?: (index: SearchIndexState) => boolean;
  timeoutMs: number;
  pollMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Polls until the index is READY and queryable; throws ThreadfinderError naming the index and its status
 * when Atlas reports FAILED or when `timeoutMs` passes first.
 */
export async function waitForSearchIndex(options: WaitForSearchIndexOptions): Promise<void> {
  const { name, where, list, isCurrent = () => true, timeoutMs, pollMs } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + timeoutMs;
  for (;;) {
    const index = (await list()).find((entry) => entry.name === name);
    const status = index?.status ?? 'absent';
    if (status === 'FAILED') {
      throw new ThreadfinderError(
        `Atlas Vector Search index "${name}" on ${where} failed to build (status FAILED); see the index in the Atlas UI, fix it or drop it, then retry`,
      );
    }
    if (index !== undefined && status === 'READY' && index.queryable === true && isCurrent(index)) return;
    const left = deadline - now();
    if (left <= 0) {
      const state =
        index?.queryable === true && status === 'READY' ? 'READY with an older definition' : status;
      throw new ThreadfinderError(
        `Atlas Vector Search index "${name}" on ${where} is not queryable after ${Math.round(timeoutMs / 1000)} s (status ${state}); Atlas may still be building it: retry later or allow a longer wait`,
      );
    }
    await sleep(Math.min(pollMs, left));
  }
}
