import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '../../adapters/file-vector-store.ts';
import { CONTRACT_MODEL, product, unit } from '../contract/vector-store-contract.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('vector-churn');
const MIN_BYTES = 16 * 1024;

describe('FileVectorStore under months of re-ingestion', () => {
  it('never lets its log grow past twice its live records once past the minimum, and keeps the latest state', async () => {
    // Prepare
    const dir = await newDir();
    const store = await FileVectorStore.open(dir, { compactMinBytes: MIN_BYTES });
    await store.bind(CONTRACT_MODEL);
    let ids = Array.from({ length: 100 }, (_, i) => i);
    let next = ids.length;
    const version = new Map<number, number>();
    const sizes: number[] = [];
    // Act: 10 runs, each changing a tenth of the products, removing 5 and adding 5 (upsert, then prune)
    for (let run = 0; run < 10; run++) {
      for (const i of ids.filter((i) => (i + run) % 10 === 0)) version.set(i, run);
      const removed = ids.slice(0, 5);
      ids = [...ids.slice(5), ...Array.from({ length: 5 }, () => next++)];
      await store.upsert(
        ids.map((i) => product(`p${i}`, unit(1, i, version.get(i) ?? 0, 1), { v: version.get(i) ?? 0 })),
      );
      await store.delete(removed.map((i) => `p${i}`));
      const bytes = (await stat(path.join(dir, 'vectors.log'))).size;
      sizes.push(bytes);
      // Assess (each run)
      expect(bytes).toBeLessThanOrEqual(Math.max(MIN_BYTES, 2 * store.compactedBytes()));
    }
    // Assess
    expect(Math.max(...sizes)).toBeGreaterThan(MIN_BYTES); // compaction did have to run
    await store.close();
    const reopened = await FileVectorStore.open(dir, { readOnly: true });
    expect(await reopened.count()).toBe(100);
    const listed: string[] = [];
    for await (const id of reopened.listIds()) listed.push(id);
    expect(listed.sort()).toEqual(ids.map((i) => `p${i}`).sort());
    expect((await reopened.get(`p${ids[ids.length - 1]}`))?.metadata.v).toBe(0);
  });
});
