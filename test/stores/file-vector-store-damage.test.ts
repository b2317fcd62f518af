import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import type { StoreDamage } from '#core/ports/vector-store.ts';
import { CONTRACT_MODEL, product, unit } from '#test/contract/vector-store-contract.ts';
import { insert, lineStarts, logOf, overwrite, PRODUCTS, writeProducts } from './fixtures/damaged-log.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('vector-damage');

interface DamageCase {
  name: string;
  damage(log: Buffer, starts: number[]): Buffer;
  lost: string[];
  lines: number[];
  named: string[];
}

/** p<i> is line i + 3 (after the header and the bind). */
const CASES: DamageCase[] = [
  {
    name: 'bytes flipped in the middle of a record',
    damage: (log, s) => overwrite(log, Math.floor(((s[5] as number) + (s[6] as number)) / 2), '#~#'),
    ...{ lost: ['p2'], lines: [5], named: ['p2'] },
  },
  {
    name: 'a byte flipped at the start of a record',
    damage: (log, s) => overwrite(log, s[6] as number, 'g'),
    ...{ lost: ['p3'], lines: [6], named: ['p3'] },
  },
  {
    name: 'a byte flipped inside a vector (still valid base64)',
    damage: (log, s) => {
      const at = log.indexOf('"v":"', s[7]) + 10;
      return overwrite(log, at, log[at] === 0x41 ? 'B' : 'A');
    },
    ...{ lost: ['p4'], lines: [7], named: ['p4'] },
  },
  {
    name: 'a truncated tail',
    damage: (log) => log.subarray(0, log.length - 10),
    ...{ lost: ['p7'], lines: [10], named: ['p7'] },
  },
  {
    name: 'a stray newline inside a record',
    damage: (log, s) => insert(log, (s[4] as number) + 30, '\n'),
    ...{ lost: ['p1'], lines: [4, 5], named: ['p1'] },
  },
  {
    name: 'a lost newline (replaced by another byte)',
    damage: (log, s) => overwrite(log, (s[5] as number) - 1, 'x'),
    ...{ lost: ['p1'], lines: [4], named: ['p1'] },
  },
  {
    name: '40 bytes overwritten across a line boundary',
    damage: (log, s) => overwrite(log, (s[8] as number) - 20, '\0'.repeat(40)),
    ...{ lost: ['p4', 'p5'], lines: [7], named: ['p4', 'p5'] },
  },
  {
    name: 'a damaged header',
    damage: (log) => overwrite(log, 0, 'zz'),
    ...{ lost: [], lines: [1], named: [] },
  },
];

async function damagedStore(c: DamageCase): Promise<{ dir: string; damaged: Buffer }> {
  const dir = await newDir();
  const log = await writeProducts(dir);
  const damaged = c.damage(log, lineStarts(log));
  await writeFile(logOf(dir), damaged);
  return { dir, damaged };
}

async function expectSurvivors(store: FileVectorStore, lost: string[], added = 0): Promise<void> {
  for (const record of PRODUCTS) {
    if (lost.includes(record.id)) expect(await store.get(record.id)).toBeNull();
    else expect(await store.get(record.id)).toEqual(record);
  }
  expect(await store.count()).toBe(PRODUCTS.length - lost.length + added);
  expect(await store.info()).toEqual(CONTRACT_MODEL);
}

function damagedBytes(damage: StoreDamage | null, log: Buffer): Buffer {
  return Buffer.concat((damage?.lines ?? []).map((l) => log.subarray(l.offset, l.offset + l.bytes)));
}

describe.each(CASES)('FileVectorStore with $name', (c) => {
  it('keeps every undamaged record and names the damage, changing nothing when read-only', async () => {
    // Prepare
    const { dir, damaged } = await damagedStore(c);
    // Act
    const store = await FileVectorStore.open(dir, { readOnly: true });
    // Assess
    await expectSurvivors(store, c.lost);
    const damage = store.damage();
    expect(damage?.file).toBe(logOf(dir));
    expect(damage?.lines.map((l) => l.line)).toEqual(c.lines);
    expect(damage?.productIds).toEqual(c.named);
    expect(damage?.setAsideTo).toBeUndefined();
    for (const line of damage?.lines ?? []) expect(line.offset).toBeGreaterThanOrEqual(0);
    expect(damage?.bytes).toBe(damagedBytes(damage, damaged).length);
    expect(await readFile(logOf(dir))).toEqual(damaged);
    expect(await readdir(dir)).toEqual(['vectors.log']);
    await store.close();
  });

  it('sets the damaged bytes aside and rewrites a clean log when opened for writing', async () => {
    // Prepare
    const { dir, damaged } = await damagedStore(c);
    // Act
    const store = await FileVectorStore.open(dir);
    await store.upsert([product('new', unit(0, 0, 1, 1))]);
    await store.close();
    const reopened = await FileVectorStore.open(dir, { readOnly: true });
    // Assess
    const damage = store.damage();
    expect(damage?.setAsideTo).toMatch(/vectors\.log\.damaged-\d+$/);
    expect(path.dirname(damage?.setAsideTo ?? '')).toBe(dir);
    expect(await readFile(damage?.setAsideTo ?? '')).toEqual(damagedBytes(damage, damaged));
    expect(reopened.damage()).toBeNull();
    expect(await reopened.get('new')).not.toBeNull();
    await expectSurvivors(reopened, c.lost, 1);
    await reopened.close();
  });
});
