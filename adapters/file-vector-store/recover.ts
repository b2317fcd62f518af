import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { holderState, type LockHolder } from '#adapters/lock-liveness.ts';
import type { StoreDamage } from '#core/ports/vector-store.ts';
import { readSpans, setAsideDamage, writeCleanLog } from './clean-log.ts';
import { damageOf } from './damage.ts';
import { LOCK_FILE } from './lock.ts';
import { createFile } from './log-file.ts';
import { encodeRecord, LOG_HEADER } from './log-format.ts';
import type { Replayed } from './replay.ts';

/** A log made ready for appending: its size, and what was damaged in it. */
export interface Recovered {
  size: number;
  damage: StoreDamage | null;
}

/**
 * Makes a replayed log whole for a writer holding the lock: creates it when absent; when damaged, copies the
 * damaged bytes aside, then rewrites the log from its valid lines (in order, so no valid record is lost), read
 * back from the log itself.
 */
export async function recoverLog(file: string, state: Replayed): Promise<Recovered> {
  if (state.size === 0) {
    await createFile(file, LOG_HEADER);
    return { size: Buffer.byteLength(LOG_HEADER), damage: null };
  }
  if (state.damaged.length === 0 && !state.lastLineOpen) return { size: state.size, damage: null };
  const setAsideTo = state.damaged.length > 0 ? await setAsideDamage(file, state.damagedBytes) : undefined;
  const valid = withRecoveredBind(readSpans(file, state.valid), state.recoveredBind);
  const size = await writeCleanLog(file, valid, state.headerLost ? LOG_HEADER : undefined);
  return { size, damage: state.damaged.length > 0 ? damageOf(file, state.damaged, setAsideTo) : null };
}

/** The valid lines with a mended binding's bind record (see Replayed.recoveredBind) put back in its place. */
async function* withRecoveredBind(
  lines: AsyncIterable<Buffer>,
  bind: Replayed['recoveredBind'],
): AsyncGenerator<Buffer> {
  let i = 0;
  for await (const line of lines) {
    if (i++ === bind?.at) yield bindLine(bind);
    yield line;
  }
}

function bindLine(bind: { model: string; dim: number }): Buffer {
  return Buffer.from(encodeRecord({ t: 'bind', model: bind.model, dim: bind.dim }).slice(0, -1), 'utf8');
}

/**
 * The damage a read-only open reports; it changes nothing. A torn last line while a live writer holds the lock
 * is that writer's append in progress, not damage; under a stale lock (its writer gone) it is damage.
 */
export function readOnlyDamage(file: string, state: Replayed): StoreDamage | null {
  const writing = state.tornTail && liveWriter(path.join(path.dirname(file), LOCK_FILE));
  const lines = writing ? state.damaged.slice(0, -1) : state.damaged;
  return lines.length > 0 ? damageOf(file, lines) : null;
}

/** Whether a live process holds the lock file `lock` (an unreadable one counts as held: writers refuse it). */
function liveWriter(lock: string): boolean {
  try {
    const holder = JSON.parse(readFileSync(lock, 'utf8')) as LockHolder;
    return holderState(holder, statSync(lock).mtimeMs) !== 'stale';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
