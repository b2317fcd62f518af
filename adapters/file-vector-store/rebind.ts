import path from 'node:path';
import type { IndexInfo, StoreDamage } from '#core/ports/vector-store.ts';
import { acquireLock } from './lock.ts';
import { READ_BYTES } from './log-stretches.ts';
import { recoverLog } from './recover.ts';
import { replayLog } from './replay.ts';

/** What rewriting a lost bind record did. */
export interface Rebound {
  /** The binding written: `model`, at the width of the log's intact put lines. */
  index: IndexInfo;
  /** The damaged lines set aside while the log was rewritten. */
  damage: StoreDamage | null;
}

/**
 * Mends a store whose bind record was lost in a damaged line: binds its records to `model` at the width of
 * its first intact put line, sets the damaged lines aside and rewrites the log with the bind record in its
 * place, holding the store's lock. Returns null (changing nothing) when the log's bind record reads.
 */
export async function rewriteLostBind(dir: string, model: string): Promise<Rebound | null> {
  const file = path.join(dir, 'vectors.log');
  const release = await acquireLock(dir);
  try {
    const state = await replayLog(file, READ_BYTES, { bindModel: model });
    if (state.recoveredBind === null || state.index === null) return null;
    const { damage } = await recoverLog(file, state);
    return { index: { ...state.index }, damage };
  } finally {
    await release();
  }
}
