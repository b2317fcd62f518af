import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readLockFile } from '#adapters/lock-file.ts';
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
 * The catalog locks of the local lock table that are held now, judged as ingest judges them (holderState): by
 * a live process on this machine, by a fresh heartbeat from another. A lock left by a dead process, or torn by a
 * crash mid-write, holds nothing.
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
    const found = await readLockFile(file, (json) => json as LockFile | null);
    if (found === null || found === 'gone') continue;
    const lock = found.value;
    if (holderState(lock as LockHolder, found.mtimeMs, nowMs) !== 'stale') {
      held.push({
        file,
        catalog: String(lock.pk ?? '?'),
        holder: typeof lock.pid === 'number' ? `process ${lock.pid} on ${String(lock.host)}` : 'another host',
      });
    }
  }
  return held;
}
