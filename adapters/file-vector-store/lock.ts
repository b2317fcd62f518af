import { randomUUID } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { ThreadfinderError } from '#core/errors.ts';

/** Another writer (this process or another) holds the store's lock file. */
export class StoreLockedError extends ThreadfinderError {
  override name = 'StoreLockedError';
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
  since: string;
}

/** The name of the lock file inside a store directory. */
export const LOCK_FILE = 'LOCK';

/**
 * Takes `<dir>/LOCK` for this process: the owner is written to a temp file that is hard-linked into place,
 * so the lock appears atomically and always complete. A lock left by a dead process on this host is stale
 * and is replaced. Returns the function that releases it.
 */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dir, LOCK_FILE);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    since: new Date().toISOString(),
  };
  const text = JSON.stringify(owner);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(lockPath, text)) return () => releaseLock(lockPath, owner.token);
    const holder = await readOwner(lockPath);
    if (holder === 'gone') continue;
    if (holder === null) {
      throw new StoreLockedError(
        `vector store at ${dir} has an unreadable lock file ${lockPath}; if no other Threadfinder process uses this store, delete it`,
      );
    }
    if (!isStale(holder)) {
      const who =
        holder.pid === process.pid
          ? 'this process (open it once and share it)'
          : `process ${holder.pid} on ${holder.host}`;
      throw new StoreLockedError(
        `vector store at ${dir} is already open for writing by ${who} since ${holder.since}`,
      );
    }
    const again = await readOwner(lockPath);
    if (again !== 'gone' && again !== null && again.token === holder.token)
      await unlink(lockPath).catch(ignoreMissing);
  }
  throw new StoreLockedError(`could not take the lock ${lockPath}: it kept changing hands`);
}

async function tryCreate(lockPath: string, text: string): Promise<boolean> {
  const temp = `${lockPath}.${process.pid}.${randomUUID()}`;
  await writeFile(temp, text, { flag: 'wx' });
  try {
    await link(temp, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(ignoreMissing);
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | null | 'gone'> {
  try {
    const value = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockOwner>;
    const valid =
      Number.isInteger(value.pid) && typeof value.host === 'string' && typeof value.token === 'string';
    return valid ? (value as LockOwner) : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return null;
  }
}

function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  const holder = await readOwner(lockPath);
  if (holder !== 'gone' && holder !== null && holder.token === token)
    await unlink(lockPath).catch(ignoreMissing);
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
