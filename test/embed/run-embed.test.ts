import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { TransformersImageEmbedder } from '#adapters/transformers-embedder.ts';
import type { ImageEmbedder } from '#core/ports/models.ts';
import type { Batch } from '#core/types.ts';
import { decodeVector } from '#core/vector-codec.ts';
import { dot } from '#core/vectors.ts';
import type { EmbeddedBatch, EmbeddedProduct } from '#functions/aggregate/types.ts';
import { embeddedBatchKey, runEmbed } from '#functions/embed/run-embed.ts';
import { resolveModels } from '#models/resolve.ts';
import { drawGarment } from '#samples/generator/draw.ts';
import { expectStatus } from '#test/support/image-records.ts';

let dir: string;
let blobs: FsBlobStore;
let embedder: ImageEmbedder;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-embed-'));
  blobs = new FsBlobStore(path.join(dir, 'blobs'));
  const models = await resolveModels({ models: 'test', modelsDir: path.join(dir, 'models') });
  embedder = await TransformersImageEmbedder.create({ model: models.embed });
  await blobs.put(
    'masked/a.png',
    await drawGarment({ type: 'shirt', color: 'red', pattern: 'stripes', format: 'png' }),
  );
  await blobs.put(
    'masked/b.png',
    await drawGarment({ type: 'dress', color: 'blue', pattern: 'solid', format: 'png' }),
  );
  await blobs.put('masked/broken.png', new TextEncoder().encode('truncated'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const batch: Batch = {
  runId: 'run-1',
  items: [
    {
      id: 'p1',
      metadata: { name: 'Red striped shirt' },
      images: [
        {
          url: 'https://cdn.example/a.jpg',
          status: 'masked',
          originalKey: 'originals/a.jpg',
          maskedKey: 'masked/a.png',
          garmentFound: true,
        },
        { url: 'https://cdn.example/missing.jpg', status: 'failed', reason: 'not_found' },
        {
          url: 'https://cdn.example/broken.jpg',
          status: 'masked',
          originalKey: 'originals/x.jpg',
          maskedKey: 'masked/broken.png',
          garmentFound: true,
        },
      ],
    },
    {
      id: 'p2',
      metadata: {},
      images: [
        {
          url: 'https://cdn.example/b.jpg',
          status: 'masked',
          originalKey: 'originals/b.jpg',
          maskedKey: 'masked/b.png',
          garmentFound: true,
        },
      ],
    },
  ],
};

describe('runEmbed', () => {
  it('writes one unit vector per usable image, records the rest, and returns only a key and counts', async () => {
    // Act
    const result = await runEmbed(batch, { blobs, embedder, maxPixels: 50e6, background: [0, 177, 64] });

    // Assess
    expect(result).toEqual({
      runId: 'run-1',
      key: embeddedBatchKey('run-1', ['p1', 'p2']),
      products: 2,
      imagesOk: 2,
      imagesFailed: 2,
      imagesReused: 0,
    });
    const stored = JSON.parse(new TextDecoder().decode(await blobs.get(result.key))) as EmbeddedBatch;
    expect(stored).toMatchObject({ runId: 'run-1', model: embedder.modelId, dim: embedder.dim });
    const [p1, p2] = stored.products;
    expect(p1?.images.map((i) => i.status)).toEqual(['embedded', 'failed', 'failed']);
    expect(p1?.images[2]).toMatchObject({ status: 'failed', reason: 'embed_failed' });
    expect(p1?.metadata).toEqual({ name: 'Red striped shirt' });
    const vectorsOf = (p: EmbeddedProduct | undefined) =>
      (p?.images ?? []).flatMap((i) => (i.status === 'embedded' ? [i.vector] : []));
    expect(vectorsOf(p1)).toHaveLength(1);
    expect(vectorsOf(p2)).toHaveLength(1);
    for (const text of [...vectorsOf(p1), ...vectorsOf(p2)]) {
      const v = decodeVector(text, { dim: embedder.dim });
      expect(dot(v, v)).toBeCloseTo(1, 5);
    }
  });

  it('gives the same vectors for the same images whatever the model batch size', async () => {
    const one = await runEmbed(batch, {
      blobs,
      embedder,
      maxPixels: 50e6,
      background: [0, 177, 64],
      batchSize: 1,
    });
    const first = (await blobs.get(one.key)).slice();
    const many = await runEmbed(batch, {
      blobs,
      embedder,
      maxPixels: 50e6,
      background: [0, 177, 64],
      batchSize: 16,
    });
    const a = JSON.parse(new TextDecoder().decode(first)) as EmbeddedBatch;
    const b = JSON.parse(new TextDecoder().decode(await blobs.get(many.key))) as EmbeddedBatch;
    for (const [i, p] of a.products.entries()) {
      for (const [j, image] of p.images.entries()) {
        if (image.status !== 'embedded') continue;
        const x = decodeVector(image.vector);
        const y = decodeVector(expectStatus(b.products[i]?.images[j], 'embedded').vector);
        expect(dot(x, y)).toBeCloseTo(1, 4);
      }
    }
  });
});
