import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { OnnxSegmenter } from '#adapters/onnx-segmenter.ts';
import { TransformersImageEmbedder } from '#adapters/transformers-embedder.ts';
import type { ImageEmbedder, Segmenter } from '#core/ports/models.ts';
import type { Batch, ImageRecord } from '#core/types.ts';
import { createEmbedHandler } from '#functions/embed/handler.ts';
import { runEmbed } from '#functions/embed/run-embed.ts';
import { createSegmentHandler } from '#functions/segment/handler.ts';
import { runSegment } from '#functions/segment/run-segment.ts';
import { localContext } from '#local/stage-handlers.ts';
import { resolveModels } from '#models/resolve.ts';
import { drawGarment } from '#samples/generator/draw.ts';
import { outcome } from '#test/support/image-records.ts';
import { FaultyBlobStore } from './faulty-blob-store.ts';
import { FAULT_CASES } from './system-error.ts';

// The segment and embed stages over a blob store whose file system faults: the batch fails with
// EnvironmentFault (which Step Functions retries), and no image is blamed for it.

const GREEN = [0, 177, 64] as const;
let dir: string;
let blobs: FaultyBlobStore;
let segmenter: Segmenter;
let embedder: ImageEmbedder;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-stage-faults-'));
  blobs = new FaultyBlobStore(new FsBlobStore(path.join(dir, 'blobs')));
  const models = await resolveModels({ models: 'test', modelsDir: path.join(dir, 'models') });
  segmenter = await OnnxSegmenter.create({ model: models.segment });
  embedder = await TransformersImageEmbedder.create({ model: models.embed });
  await blobs.put(
    'originals/a.png',
    await drawGarment({ type: 'shirt', color: 'red', pattern: 'solid', format: 'png' }),
  );
  await blobs.put(
    'originals/b.png',
    await drawGarment({ type: 'dress', color: 'blue', pattern: 'solid', format: 'png' }),
  );
}, 120_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

/** The two originals as the download stage leaves them (for segment), or masked (for embed: each its own mask). */
function batch(status: 'downloaded' | 'masked'): Batch {
  const image = (k: string): ImageRecord => {
    const url = `https://cdn.example/${k}`;
    return status === 'downloaded'
      ? { url, status, originalKey: k }
      : { url, status, originalKey: k, maskedKey: k, garmentFound: true };
  };
  const keys = ['originals/a.png', 'originals/b.png'];
  return { runId: 'run-faults', items: [{ id: 'p1', metadata: {}, images: keys.map(image) }] };
}

const segmentDeps = () => ({ blobs, segmenter, background: GREEN, maxPixels: 50e6 });
const embedDeps = () => ({ blobs, embedder, maxPixels: 50e6, background: [0, 177, 64] as const });

describe('segment stage on a faulting file system', () => {
  it.each(FAULT_CASES)('fails the batch on $code writing a mask, recording no image failure', async (c) => {
    // Prepare
    blobs.inject({ code: c.code, ops: ['put'], prefix: 'masked/' });
    const seen: string[] = [];
    // Act
    const act = runSegment(batch('downloaded'), { ...segmentDeps(), onImage: (i) => seen.push(i.status) });
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'EnvironmentFault', kind: c.kind, code: c.code });
    await expect(act).rejects.toThrow(/while writing \/data\/blobs\/masked\//);
    expect(seen).toEqual([]);
    blobs.clear();
  });

  it('fails the batch when reading an original is refused (EACCES)', async () => {
    blobs.inject({ code: 'EACCES', ops: ['get'], prefix: 'originals/' });
    const act = runSegment(batch('downloaded'), segmentDeps());
    await expect(act).rejects.toThrow(/^permission denied while opening \/data\/blobs\/originals\/a\.png: /);
    blobs.clear();
  });

  it('still records an image failure for an error that is not the machine’s (EIO)', async () => {
    // Prepare
    blobs.inject({ code: 'EIO', ops: ['get'], prefix: 'originals/a' });
    // Act
    const out = await runSegment(batch('downloaded'), segmentDeps());
    // Assess
    expect(out.items[0]?.images.map(outcome)).toEqual(['segment_failed', 'masked']);
    blobs.clear();
  });

  it('leaves the Lambda handler named EnvironmentFault, with the path in its message', async () => {
    // Prepare
    blobs.inject({ code: 'ENOSPC', ops: ['put'], prefix: 'masked/' });
    const handler = createSegmentHandler(segmentDeps());
    // Act
    const act = handler(batch('downloaded'), localContext('segment'));
    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'EnvironmentFault',
      message: expect.stringMatching(/^disk full while writing \/data\/blobs\/masked\/.*: free space/),
    });
    blobs.clear();
  });
});

describe('embed stage on a faulting file system', () => {
  it.each(FAULT_CASES)(
    'fails the batch on $code reading a masked image, recording no image failure',
    async (c) => {
      blobs.inject({ code: c.code, ops: ['get'], prefix: 'originals/b' });
      const seen: string[] = [];
      const act = runEmbed(batch('masked'), { ...embedDeps(), onImage: (i) => seen.push(i.status) });
      await expect(act).rejects.toMatchObject({ name: 'EnvironmentFault', kind: c.kind });
      expect(seen).toEqual([]);
      blobs.clear();
    },
  );

  it('names a disk-full write of the embedded batch EnvironmentFault in the Lambda handler', async () => {
    // Prepare: a raw system error from the store, which no per-image catch sees
    blobs.inject({ code: 'ENOSPC', ops: ['put'], prefix: 'runs/' });
    const handler = createEmbedHandler(embedDeps());
    // Act
    const act = handler(batch('masked'), localContext('embed'));
    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'EnvironmentFault',
      kind: 'disk_full',
      message: expect.stringMatching(/^disk full while writing \/data\/blobs\/runs\/run-faults\/embedded\//),
    });
    blobs.clear();
  });
});
