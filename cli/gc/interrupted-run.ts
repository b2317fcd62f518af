import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { itemsKey, PREFIXES, summaryKey } from '#core/contracts/run-layout.ts';

/** A run that began after the last finished one and wrote no summary: stopped (Ctrl-C, kill -9, a full disk). */
export interface InterruptedRun {
  runId: string;
  /** When it began (its items file was written), epoch ms. */
  startedMs: number;
}

/**
 * The latest run of a local data dir that has not finished, when no run finished after it began: what it
 * downloaded, cut out and embedded is referenced by no stored product yet, and its re-run would reuse it.
 */
export async function interruptedRun(blobsDir: string): Promise<InterruptedRun | undefined> {
  const runsDir = path.join(blobsDir, PREFIXES.runs);
  const ids = await readdir(runsDir).catch(() => [] as string[]);
  let lastFinishedMs = Number.NEGATIVE_INFINITY;
  let latest: InterruptedRun | undefined;
  for (const runId of ids) {
    const started = await mtimeOf(path.join(blobsDir, itemsKey(runId)));
    if (started === undefined) continue;
    const finished = await mtimeOf(path.join(blobsDir, summaryKey(runId)));
    if (finished !== undefined) lastFinishedMs = Math.max(lastFinishedMs, finished);
    else if (started > (latest?.startedMs ?? Number.NEGATIVE_INFINITY))
      latest = { runId, startedMs: started };
  }
  return latest && latest.startedMs > lastFinishedMs ? latest : undefined;
}

async function mtimeOf(file: string): Promise<number | undefined> {
  return stat(file).then(
    (info) => info.mtimeMs,
    () => undefined,
  );
}
