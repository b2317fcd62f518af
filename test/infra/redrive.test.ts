import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCK_TTL_SECONDS } from '#functions/prepare/schema.ts';
import { INGEST_STATES as S } from '#infra/ingest-states.ts';
import { INGEST_TIMEOUT } from '#infra/threadfinder-stack.ts';
import { definitionOf, type Json, synthStack } from './synth.ts';

/** The names a state may go to next: Next, a Choice's branches and default, its catchers. */
function successors(state: Json): string[] {
  return [
    state.Next,
    state.Default,
    ...(state.Choices ?? []).map((c: Json) => c.Next),
    ...(state.Catch ?? []).map((c: Json) => c.Next),
  ].filter((n): n is string => typeof n === 'string');
}

describe('a failed run is restarted, and the lock agrees (docs/deploy.md "Redrive")', () => {
  const asl = definitionOf(synthStack().template);
  const states: Record<string, Json> = asl.States;
  const releases = new Set<string>([S.releaseLock, S.releaseLockAfterFailure]);

  /** Every state reachable once the lock is held, without passing through a release of it. */
  function whileHeld(): string[] {
    const seen = new Set<string>();
    const queue: string[] = [
      ...successors(states[S.acquireLock]),
      ...successors(states[S.takeOverLock]),
    ].filter((n) => n === S.map);
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (seen.has(name) || releases.has(name)) continue;
      seen.add(name);
      queue.push(...successors(states[name]));
    }
    return [...seen];
  }

  it('releases the lock on every way a run that holds it can end (a restart is never blocked)', () => {
    const held = whileHeld();
    expect(held).toEqual(expect.arrayContaining([S.map, S.aggregate, S.aggregateAfterFailure]));
    for (const name of held) {
      const state = states[name];
      expect(['Fail', 'Succeed'], name).not.toContain(state.Type);
      expect(state.End, name).toBeUndefined();
    }
  });

  it('catches every failure of the work done under the lock, so only a lock release can fail uncaught', () => {
    for (const name of whileHeld().filter((n) => states[n].Type === 'Task' || states[n].Type === 'Map')) {
      const catchers = (states[name].Catch ?? []).flatMap((c: Json) => c.ErrorEquals);
      expect(catchers, name).toContain('States.ALL');
    }
    // A release that still failed after its retries is what a redrive would re-run: it releases, then ends.
    for (const name of releases) expect(states[name].Retry?.length, name).toBeGreaterThan(0);
  });

  it('lets the lock of a timed-out run expire with it: lock lifetime = execution timeout', () => {
    expect(DEFAULT_LOCK_TTL_SECONDS).toBe(INGEST_TIMEOUT.toSeconds());
    expect(asl.TimeoutSeconds).toBe(INGEST_TIMEOUT.toSeconds());
  });
});
