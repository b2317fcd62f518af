import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { holderState, type LockHolder } from '#adapters/lock-liveness.ts';

/** A catalog lock (`<data dir>/locks/*.json`) that a running ingestion holds. */
export interface HeldLock {
  file: string;
  catalog: string;
  holder: string;
}

interface LockFile {
  pk?: unknown;
  executionArn?: unknown;
  expiresAt?: unknown;
  pid?: unknown;
  host?: unknown;
}

/**
 * The catalog locks of the local lock table that are held now: by a live process on this machine, or (for a
 * holder on another machine) not yet expired. A lock left by a dead process holds nothing, as for ingest.
 */
export async function heldCatalogLocks(dataDir: string, nowMs = Date.now()): Promise<HeldLock[]> {
  const dir = path.join(dataDir, 'locks');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const held: HeldLock[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const lock = await readLock(file);
    const mtimeMs = (await stat(file).catch(() => undefined))?.mtimeMs;
    if (lock && mtimeMs !== undefined && isHeld(lock, mtimeMs, nowMs)) {
      held.push({
        file,
        catalog: String(lock.pk ?? '?'),
        holder: typeof lock.pid === 'number' ? `process ${lock.pid} on ${String(lock.host)}` : 'another host',
      });
    }
  }
  return held;
}

async function readLock(file: string): Promise<LockFile | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockFile;
  } catch {
    // Gone meanwhile, or torn by a crash mid-write: a torn lock holds nothing (the next ingest replaces it).
    return undefined;
  }
}

/** As ingest judges it (holderState): by pid and start time on this machine, by the heartbeat from another. */
function isHeld(lock: LockFile, mtimeMs: number, nowMs: number): boolean {
  return holderState(lock as LockHolder, mtimeMs, nowMs) !== 'stale';
}
