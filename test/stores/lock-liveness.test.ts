import { readFileSync } from 'node:fs';
import { stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdsToken, LOCK_HEARTBEAT_MS, LOCK_STALE_AFTER_MS, startHeartbeat } from '#adapters/lock-lease.ts';
import { holderState, startTimeOf } from '#adapters/lock-liveness.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('lock-liveness');
const linux = startTimeOf(process.pid) !== undefined;
const elsewhere = { pid: 1, host: 'another-machine', token: 'theirs' };

describe('lock liveness', () => {
  it.skipIf(!linux)(
    "reads a process's start time: boot time plus its ticks is when this process started",
    () => {
      // Prepare: /proc/stat's btime is the boot in seconds since the epoch; Linux counts 100 ticks a second.
      const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
      // Act
      const started = boot + (startTimeOf(process.pid) as number) / 100;
      // Assess
      expect(Math.abs(started - (Date.now() / 1000 - process.uptime()))).toBeLessThan(2);
    },
  );

  it('keeps a lock from another machine live when a blocked event loop delayed its heartbeat by a minute', () => {
    const now = Date.now();
    expect(holderState(elsewhere, now - LOCK_HEARTBEAT_MS - 60_000, now)).toBe('live');
    expect(holderState(elsewhere, now - LOCK_STALE_AFTER_MS - 1, now)).toBe('stale');
  });

  it("refreshes its lock file's mtime while the file is its own, and stops once the lock was taken over", async () => {
    // Prepare
    const file = path.join(await newDir(), 'LOCK');
    const old = new Date(Date.now() - 600_000);
    await writeFile(file, JSON.stringify({ token: 'mine' }));
    await utimes(file, old, old);
    // Act: wait for a refresh, take the lock over, wait for the heartbeat to see it, then age the file again
    startHeartbeat(file, 'mine', 10);
    await until(async () => (await stat(file)).mtimeMs > old.getTime());
    const refreshed = (await stat(file)).mtimeMs;
    await writeFile(file, JSON.stringify({ token: 'theirs' }));
    await until(async () => !holdsToken('mine'));
    await utimes(file, old, old);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Assess
    expect(refreshed).toBeGreaterThan(Date.now() - 5000);
    expect((await stat(file)).mtimeMs).toBeLessThan(Date.now() - 500_000);
  });
});

/** Polls `done` every 10 ms until it holds; throws after 5 s (a loaded machine may be slow, not that slow). */
async function until(done: () => Promise<boolean> | boolean): Promise<void> {
  const giveUpAt = Date.now() + 5000;
  while (!(await done())) {
    if (Date.now() > giveUpAt) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
