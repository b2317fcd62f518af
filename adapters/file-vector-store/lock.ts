import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createExclusive, readLockFile, removeIfToken } from '#adapters/lock-file.ts';
import { claimToken, dropToken, startHeartbeat, stopHeartbeat } from '#adapters/lock-lease.ts';
import { explainHolder, holderState, type ProcessIdentity, thisProcess } from '#adapters/lock-liveness.ts';
import { ThreadfinderError } from '#core/errors.ts';

/** Another writer (this process or another) holds the store's lock file. */
export class StoreLockedError extends ThreadfinderError {
  override name = 'StoreLockedError';
}

/** What a store's LOCK holds. */
export interface LockOwner extends ProcessIdentity {
  token: string;
  since: string;
}

/** The name of the lock file inside a store directory. */
export const LOCK_FILE = 'LOCK';

/**
 * Takes `<dir>/LOCK` for this process: the owner (pid, host, start time, a token of its own) is created
 * atomically, and its mtime refreshed while held. A lock whose holder is gone (see holderState) is stale and is
 * replaced. Returns the function that releases it.
 */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dir, LOCK_FILE);
  const owner: LockOwner = { ...thisProcess(), token: randomUUID(), since: new Date().toISOString() };
  const text = JSON.stringify(owner);
  claimToken(owner.token);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await createExclusive(lockPath, text)) {
        startHeartbeat(lockPath, owner.token);
        return () => releaseLock(lockPath, owner.token);
      }
      const found = await readLockFile(lockPath, parseOwner);
      if (found === 'gone') continue;
      if (found === null) {
        throw new StoreLockedError(
          `vector store at ${dir} has an unreadable lock file ${lockPath}; if no Threadfinder process uses this store, delete ${lockPath}`,
        );
      }
      const state = holderState(found.value, found.mtimeMs);
      if (state === 'this-process') {
        throw new StoreLockedError(
          `vector store at ${dir} is already open for writing by this process (open it once and share it): ` +
            `lock file ${lockPath}, taken ${found.value.since}`,
        );
      }
      if (state === 'live') {
        throw new StoreLockedError(
          `vector store at ${dir} is already open for writing by ${explainHolder(found.value, lockPath, found.mtimeMs, dir)}`,
        );
      }
      await removeIfToken(lockPath, found.value.token);
    }
    throw new StoreLockedError(`could not take the lock ${lockPath}: it kept changing hands`);
  } catch (error) {
    dropToken(owner.token);
    throw error;
  }
}

/** A store LOCK's content, or null when it is not one (unreadable: every writer refuses it). */
export function parseOwner(json: unknown): LockOwner | null {
  const value = json as Partial<LockOwner> | null;
  const valid =
    Number.isInteger(value?.pid) && typeof value?.host === 'string' && typeof value?.token === 'string';
  return valid ? (value as LockOwner) : null;
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  stopHeartbeat(token);
  try {
    await removeIfToken(lockPath, token);
  } finally {
    dropToken(token);
  }
}
