import path from 'node:path';
import { LOCK_FILE, parseOwner } from '#adapters/file-vector-store/lock.ts';
import { readLockFile } from '#adapters/lock-file.ts';
import { explainHolder, holderState } from '#adapters/lock-liveness.ts';

/** The index lock as `check` reports it. */
export interface IndexLockState {
  /** A live writer holds the lock: what it is writing may show as damage. */
  writerActive: boolean;
  /** Who holds it, when `writerActive`. */
  writer?: string;
  /** A lock no writer holds (stale or unreadable): what the next writer does about it. */
  note?: string;
}

/**
 * Reads `<indexDir>/LOCK` and judges its holder as a writer taking the lock would (adapters/lock-liveness.ts):
 * a live holder is writing; a stale lock is said to be stale, as the next writer takes it over.
 */
export async function indexLockState(indexDir: string): Promise<IndexLockState> {
  const lockPath = path.join(indexDir, LOCK_FILE);
  const found = await readLockFile(lockPath, parseOwner);
  if (found === 'gone') return { writerActive: false };
  if (found === null) {
    return {
      writerActive: false,
      note: `Note: the index lock ${lockPath} cannot be read, and every writer (ingest, check --repair, gc) refuses it; if no Threadfinder process uses ${indexDir}, delete ${lockPath}.`,
    };
  }
  const { value: holder, mtimeMs } = found;
  if (holderState(holder, mtimeMs) !== 'stale') {
    const why = explainHolder(holder, lockPath, mtimeMs, indexDir);
    return {
      writerActive: true,
      writer: `an ingestion (or gc, or check --repair) holds the index lock: ${why}`,
    };
  }
  const who = `process ${holder.pid} on ${holder.host}`;
  return {
    writerActive: false,
    note: `Note: the index lock ${lockPath} is stale (${who}, which took it ${holder.since ?? 'at an unknown time'}, no longer holds it); the next writer (ingest, check --repair, gc) takes it over.`,
  };
}
