import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { CONTRACT_MODEL, product, unit } from '#test/contract/vector-store-contract.ts';
import { tempDirs } from './temp-dirs.ts';

const newDir = tempDirs('vector-churn');
const MIN_BYTES = 16 * 1024;
const SETTINGS = {
  embedModel: CONTRACT_MODEL.model,
  segment: true,
  segmentModel: 'seg',
  imageFit: 'pad' as const,
};

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
    const imageSizes: number[] = [];
    // Act: 10 runs, each changing a tenth of the products, removing 5 and adding 5 (upsert, then prune)
    for (let run = 0; run < 10; run++) {
      for (const i of ids.filter((i) => (i + run) % 10 === 0)) version.set(i, run);
      const removed = ids.slice(0, 5);
      ids = [...ids.slice(5), ...Array.from({ length: 5 }, () => next++)];
      await store.upsert(
        ids.map((i) => product(`p${i}`, unit(1, i, version.get(i) ?? 0, 1), { v: version.get(i) ?? 0 })),
      );
      await store.putImageVectors(
        ids.map((i) => ({
          id: `p${i}`,
          settings: SETTINGS,
          images: [{ index: 0, vector: unit(1, i, version.get(i) ?? 0, 2) }],
        })),
      );
      await store.delete(removed.map((i) => `p${i}`));
      const bytes = (await stat(path.join(dir, 'vectors.log'))).size;
      sizes.push(bytes);
      const images = (await stat(path.join(dir, 'image-vectors.log'))).size;
      imageSizes.push(images);
      // Assess (each run)
      expect(bytes).toBeLessThanOrEqual(Math.max(MIN_BYTES, 2 * store.compactedBytes()));
      const both = await store.logSizes();
      expect(bytes + images).toBe(both.bytes);
      expect(images).toBeLessThanOrEqual(
        Math.max(MIN_BYTES, 2 * (both.compactedBytes - store.compactedBytes())),
      );
    }
    // Assess
    expect(Math.max(...sizes)).toBeGreaterThan(MIN_BYTES); // compaction did have to run
    expect(Math.max(...imageSizes)).toBeGreaterThan(MIN_BYTES);
    await store.close();
    const reopened = await FileVectorStore.open(dir, { readOnly: true });
    expect(await reopened.count()).toBe(100);
    const listed: string[] = [];
    for await (const id of reopened.listIds()) listed.push(id);
    expect(listed.sort()).toEqual(ids.map((i) => `p${i}`).sort());
    expect((await reopened.get(`p${ids[ids.length - 1]}`))?.metadata.v).toBe(0);
    const changed = ids.find((i) => (version.get(i) ?? 0) > 0) as number;
    const [latest] = await reopened.getImageVectors([`p${changed}`]);
    expect(latest?.images[0]?.vector[2]).toBeGreaterThan(0); // its latest version, not the first
    await reopened.close();
  });

  it('a reader opened before another process compacts the image-vector log still reads its snapshot', async () => {
    // Prepare
    const dir = await newDir();
    const writer = await FileVectorStore.open(dir);
    await writer.bind(CONTRACT_MODEL);
    await writer.upsert([product('a', unit(1, 0, 0, 0)), product('b', unit(0, 1, 0, 0))]);
    for (let v = 1; v <= 3; v++)
      await writer.putImageVectors([
        { id: 'b', settings: SETTINGS, images: [{ index: 0, vector: unit(0, 1, v, 0) }] },
      ]);
    await writer.putImageVectors([
      { id: 'a', settings: SETTINGS, images: [{ index: 0, vector: unit(1, 0, 0, 0) }] },
    ]);
    const reader = await FileVectorStore.open(dir, { readOnly: true });
    const before = await reader.getImageVectors(['a', 'b']);
    // Act
    await writer.compact();
    const after = await reader.getImageVectors(['a', 'b']);
    // Assess
    expect(after).toEqual(before);
    expect((await writer.logSizes()).bytes).toBe((await writer.logSizes()).compactedBytes);
    expect(await writer.getImageVectors(['b'])).toEqual([before[1]]);
    await reader.close();
    await writer.close();
  });
});
