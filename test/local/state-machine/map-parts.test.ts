import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { childInputs } from '#map-runner/batching.ts';
import { type ChildExecutionRecord, type Json, MapRunError } from '#map-runner/index.ts';
import { exceedsTolerance } from '#map-runner/map-settings.ts';
import { writeMapRunResults } from '#map-runner/result-writer.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('ItemBatcher', () => {
  it('closes a batch before its serialized input would exceed MaxInputBytesPerBatch', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, pad: 'x'.repeat(80) }));
    const limit = 400;

    const batches = childInputs(
      items,
      true,
      { maxItemsPerBatch: 100, maxInputBytesPerBatch: limit },
      { runId: 'r' },
      'Fan',
    );

    for (const batch of batches)
      expect(Buffer.byteLength(JSON.stringify(batch.input))).toBeLessThanOrEqual(limit);
    expect(batches.map((b) => b.itemCount).reduce((a, b) => a + b)).toBe(10);
    expect(batches.length).toBe(4);
    expect(batches[0]?.input).toEqual({ Items: items.slice(0, 3), BatchInput: { runId: 'r' } });
  });

  it('fails the Map when one item alone exceeds MaxInputBytesPerBatch', () => {
    const items: Json[] = [{ id: 'small' }, { id: 'big', pad: 'x'.repeat(500) }];

    const act = () => childInputs(items, true, { maxInputBytesPerBatch: 300 }, undefined, 'Fan');

    expect(act).toThrow(MapRunError);
    expect(act).toThrow(/"Fan": item 1 needs \d+ bytes as a batch of one, over MaxInputBytesPerBatch 300/);
  });

  it('gives each child one item as its whole input without an ItemBatcher', () => {
    expect(childInputs([1, 2], false, {}, undefined, 'Fan')).toEqual([
      { input: 1, itemCount: 1 },
      { input: 2, itemCount: 1 },
    ]);
  });
});

describe('failure tolerance', () => {
  it.each([
    [1, 10, {}, true],
    [0, 10, {}, false],
    [1, 10, { ToleratedFailurePercentage: 10 }, false],
    [2, 10, { ToleratedFailurePercentage: 10 }, true],
    [3, 10, { ToleratedFailureCount: 3 }, false],
    [4, 10, { ToleratedFailureCount: 3 }, true],
    [2, 10, { ToleratedFailurePercentage: 50, ToleratedFailureCount: 1 }, true],
    [10, 10, { ToleratedFailurePercentage: 100 }, false],
  ])('%i of %i failed items with %o: exceeded is %s', (failed, total, settings, exceeded) => {
    expect(exceedsTolerance(failed, total, settings)).toBe(exceeded);
  });
});

describe('ResultWriter', () => {
  it('splits a status into several files past the size bound, and the manifest names each with its size', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tf-rw-'));
    const blobs = new FsBlobStore(dir);
    const records: ChildExecutionRecord[] = Array.from({ length: 5 }, (_, i) => ({
      ExecutionArn: `arn:child-${i}`,
      Input: JSON.stringify({ Items: [i] }),
      Name: `child-${i}`,
      Output: JSON.stringify({ pad: 'x'.repeat(100) }),
      Status: 'SUCCEEDED',
      StartDate: '2026-01-01T00:00:00.000Z',
      StopDate: '2026-01-01T00:00:01.000Z',
      StateMachineArn: 'arn:sm',
    }));
    const run = { bucket: 'data', prefix: 'map-results/', mapRunId: 'run-7', mapRunArn: 'arn:maprun' };

    const details = await writeMapRunResults(blobs, run, records, 600);

    expect(details).toEqual({ Bucket: 'data', Key: 'map-results/run-7/manifest.json' });
    const manifest = JSON.parse(Buffer.from(await blobs.get(details.Key)).toString());
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    const files = manifest.ResultFiles.SUCCEEDED as { Key: string; Size: number }[];
    expect(files.length).toBeGreaterThan(1);
    const back: ChildExecutionRecord[] = [];
    for (const [i, file] of files.entries()) {
      expect(file.Key).toBe(`map-results/run-7/SUCCEEDED_${i}.json`);
      const bytes = await blobs.get(file.Key);
      expect(file.Size).toBe(bytes.byteLength);
      expect(bytes.byteLength).toBeLessThanOrEqual(600);
      back.push(...JSON.parse(Buffer.from(bytes).toString()));
    }
    expect(back).toEqual(records);
  });
});
