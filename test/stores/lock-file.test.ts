import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createExclusive, REMOVAL_MARKER_STALE_MS, removeIfToken } from '#adapters/lock-file.ts';

// The lock-file primitives every lock builds on (the store's LOCK, the ingestion lock, the models fetch lock):
// taking over a stale lock is "remove it if it still carries the stale token, then create exclusively".

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

async function folder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tf-lock-file-'));
  made.push(dir);
  return dir;
}

/** One taker of the stale lock `stale`: true when its own lock ended up created. */
async function takeOver(file: string, stale: string, me: string): Promise<boolean> {
  await removeIfToken(file, stale);
  return createExclusive(file, JSON.stringify({ token: me }));
}

describe('taking over a stale lock file', () => {
  it('lets exactly one of many concurrent takers have it, and keeps that one lock', async () => {
    // Prepare
    const dir = await folder();
    const rounds = 300;
    const winners: number[] = [];
    const survivors: unknown[] = [];
    // Act
    for (let round = 0; round < rounds; round++) {
      const file = path.join(dir, `lock-${round}.json`);
      await writeFile(file, JSON.stringify({ token: 'dead' }));
      // Staggered by up to 3 ms, so that one taker's read falls between another's read and its unlink.
      const takers = Array.from({ length: 8 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        return takeOver(file, 'dead', `taker-${i}`);
      });
      const won = (await Promise.all(takers)).flatMap((ok, i) => (ok ? [`taker-${i}`] : []));
      winners.push(won.length);
      survivors.push(won[0] === JSON.parse(await readFile(file, 'utf8')).token);
    }
    // Assess
    expect(winners).toEqual(Array(rounds).fill(1));
    expect(survivors).toEqual(Array(rounds).fill(true));
    expect((await readdir(dir)).filter((name) => !name.endsWith('.json'))).toEqual([]);
  });

  it('leaves a lock that carries another token, and a missing one, alone', async () => {
    // Prepare
    const dir = await folder();
    const file = path.join(dir, 'lock.json');
    await writeFile(file, JSON.stringify({ token: 'fresh' }));
    // Act
    await removeIfToken(file, 'dead');
    await removeIfToken(path.join(dir, 'missing.json'), 'dead');
    // Assess
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ token: 'fresh' });
  });

  it('clears a removal marker that a dead remover left', async () => {
    // Prepare: a remover killed between taking its marker and removing the lock; the marker is past the limit.
    const dir = await folder();
    const file = path.join(dir, 'lock.json');
    await writeFile(file, JSON.stringify({ token: 'dead' }));
    const left = markerOf(file, 'dead');
    await writeFile(left, '1\n');
    const old = new Date(Date.now() - REMOVAL_MARKER_STALE_MS - 1000);
    await utimes(left, old, old);
    // Act
    const taken = await takeOver(file, 'dead', 'after-crash');
    // Assess
    expect(taken).toBe(true);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ token: 'after-crash' });
    expect(await readdir(dir)).toEqual(['lock.json']);
  });

  it('waits while a live remover holds the marker, then finds the lock already replaced', async () => {
    // Prepare: another process is mid-removal of the same stale lock.
    const dir = await folder();
    const file = path.join(dir, 'lock.json');
    await writeFile(file, JSON.stringify({ token: 'dead' }));
    const marker = markerOf(file, 'dead');
    await writeFile(marker, '1\n');
    // Act
    const late = takeOver(file, 'dead', 'late');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await rm(file);
    await writeFile(file, JSON.stringify({ token: 'other' }));
    await rm(marker);
    const taken = await late;
    // Assess
    expect(taken).toBe(false);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ token: 'other' });
  });
});

function markerOf(file: string, token: string): string {
  return `${file}.${createHash('sha256').update(token).digest('hex').slice(0, 16)}.removing`;
}
