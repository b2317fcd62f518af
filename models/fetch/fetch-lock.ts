import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createExclusive, removeIfToken } from '#adapters/lock-file.ts';
import { isAlive, startTimeOf, thisProcess } from '#adapters/lock-liveness.ts';
import { ModelFetchError } from './errors.ts';

/** The lock file that makes one `models fetch` at a time write a model's folder. */
export const FETCH_LOCK = '.fetch.lock';

interface Holder {
  pid?: number;
  host?: string;
  started?: number;
  since?: string;
  token?: string;
}

/** A held fetch lock; `release` deletes it. */
export interface FetchLock {
  path: string;
  release(): Promise<void>;
}

// Stale: written on this host by a process that is gone (or by an earlier process that had the same pid).
function isStale(holder: Holder): boolean {
  const me = thisProcess();
  if (holder.host !== me.host || holder.pid === undefined) return false;
  if (holder.pid === me.pid) return false;
  if (!isAlive(holder.pid)) return true;
  const started = startTimeOf(holder.pid);
  return holder.started !== undefined && started !== undefined && started !== holder.started;
}

async function readHolder(file: string): Promise<Holder | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Holder;
  } catch {
    return {};
  }
}

/**
 * Takes `<dir>/.fetch.lock` (created exclusively, holding pid, host and start time) for the length of a fetch
 * into `dir`. A lock left on this host by a process that is gone is taken over; one held by a live process (or
 * by another host) is refused with a ModelFetchError ('busy') naming the holder and the lock file.
 */
export async function acquireFetchLock(dir: string): Promise<FetchLock> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, FETCH_LOCK);
  const me = thisProcess();
  const token = randomUUID();
  const record = JSON.stringify({
    pid: me.pid,
    host: me.host,
    ...(me.started !== undefined && { started: me.started }),
    since: new Date().toISOString(),
    token,
  });
  for (let attempt = 0; ; attempt++) {
    // Linked into place whole, so a reader never sees a half-written lock.
    if (await createExclusive(file, `${record}\n`)) {
      return { path: file, release: () => removeIfToken(file, token) };
    }
    const holder = await readHolder(file);
    if (attempt < 2 && (holder === undefined || isStale(holder))) {
      // Gone between the create and the read, or left by a dead process: take it over. Only the lock read is
      // removed: one that another taker put there meanwhile stays.
      if (holder !== undefined) await removeIfToken(file, holder.token);
      continue;
    }
    const who = holder?.pid === undefined ? 'a process' : `process ${holder.pid}`;
    const host = holder?.host && holder.host !== me.host ? ` on ${holder.host}` : '';
    throw new ModelFetchError(
      `another models fetch is writing ${dir} (${who}${host} since ${holder?.since ?? 'an unknown time'}); ` +
        `wait for it or delete ${file} if it is gone`,
      'busy',
      '',
    );
  }
}
