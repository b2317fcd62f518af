import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { TransformersImageEmbedder } from '#adapters/transformers-embedder.ts';
import { PREFIXES } from '#core/contracts/run-layout.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { ImageEmbedder, RgbImage } from '#core/ports/models.ts';
import type { Batch, ImageRecord } from '#core/types.ts';
import type { EmbeddedBatch } from '#functions/aggregate/types.ts';
import { type EmbedDeps, runEmbed } from '#functions/embed/run-embed.ts';
import { resolveModels } from '#models/resolve.ts';
import { drawGarment } from '#samples/generator/draw.ts';

/** Counts the images a real embedder is asked to embed, so a test sees when the cache answered. */
class CountingEmbedder implements ImageEmbedder {
  images = 0;
  constructor(private readonly inner: ImageEmbedder) {}
  get modelId() {
    return this.inner.modelId;
  }
  get dim() {
    return this.inner.dim;
  }
  embedImages(images: RgbImage[]): Promise<Float32Array[]> {
    this.images += images.length;
    return this.inner.embedImages(images);
  }
}

let dir: string;
let blobs: FsBlobStore;
let embedder: CountingEmbedder;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-vector-cache-'));
  blobs = new FsBlobStore(path.join(dir, 'blobs'));
  const models = await resolveModels({ models: 'test', modelsDir: path.join(dir, 'models') });
  embedder = new CountingEmbedder(await TransformersImageEmbedder.create({ model: models.embed }));
  const draw = (color: 'red' | 'blue' | 'green') => drawGarment({ type: 'shirt', color, pattern: 'solid' });
  await blobs.put('originals/a.jpg', await draw('red'));
  await blobs.put('originals/b.jpg', await draw('blue'));
  await blobs.put('originals/c.jpg', await draw('green'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const downloaded = (name: string): ImageRecord => ({
  url: `https://cdn.example/${name}.jpg`,
  status: 'downloaded',
  originalKey: `originals/${name}.jpg`,
});
const batchOf = (...names: string[]): Batch => ({
  runId: 'run-cache',
  items: [{ id: 'p1', metadata: {}, images: names.map(downloaded) }],
});
const deps = (settings = 'default'): EmbedDeps => ({
  blobs,
  embedder,
  maxPixels: 50e6,
  background: [0, 177, 64],
  vectorCache: { settings },
});
const vectors = async (key: string) =>
  (
    (await blobs.get(key).then((b) => JSON.parse(new TextDecoder().decode(b)))) as EmbeddedBatch
  ).products[0]?.images.map((i) => (i.status === 'embedded' ? i.vector : i.status));

describe('the embedding cache', () => {
  it('does no model work when nothing changed, and gives the same vectors', async () => {
    // Prepare
    const first = await runEmbed(batchOf('a', 'b'), deps());
    const before = embedder.images;

    // Act
    const again = await runEmbed(batchOf('a', 'b'), deps());

    // Assess
    expect(first).toMatchObject({ imagesOk: 2, imagesReused: 0 });
    expect(again).toMatchObject({ imagesOk: 2, imagesReused: 2 });
    expect(embedder.images).toBe(before);
    expect(await vectors(again.key)).toEqual(await vectors(first.key));
  });

  it('embeds only the image that changed', async () => {
    // Prepare
    await runEmbed(batchOf('a', 'b'), deps());
    const before = embedder.images;

    // Act: the product's second photo was replaced (another original, another content hash)
    const out = await runEmbed(batchOf('a', 'c'), deps());

    // Assess
    expect(out).toMatchObject({ imagesOk: 2, imagesReused: 1 });
    expect(embedder.images).toBe(before + 1);
  });

  it('embeds again when a setting that changes the input changes (background, fit)', async () => {
    // Prepare
    await runEmbed(batchOf('a'), deps('green'));
    const before = embedder.images;

    // Act
    const out = await runEmbed(batchOf('a'), deps('magenta'));

    // Assess
    expect(out.imagesReused).toBe(0);
    expect(embedder.images).toBe(before + 1);
  });

  it('never costs an image or the batch when the cache cannot be read or written (a throttled bucket)', async () => {
    // Prepare: a store whose embeddings/ answers every read and write with a service error
    const flaky: BlobStore = Object.create(blobs, {
      get: {
        value: (key: string) =>
          key.startsWith(PREFIXES.embeddings) ? Promise.reject(new Error('SlowDown')) : blobs.get(key),
      },
      put: {
        value: (key: string, data: Uint8Array, type?: string) =>
          key.startsWith(PREFIXES.embeddings)
            ? Promise.reject(new Error('SlowDown'))
            : blobs.put(key, data, type),
      },
    });

    // Act
    const out = await runEmbed(batchOf('a', 'b'), { ...deps('flaky'), blobs: flaky });

    // Assess: both images embedded by the model, none failed, the batch written
    expect(out).toMatchObject({ imagesOk: 2, imagesFailed: 0, imagesReused: 0 });
    expect(await blobs.has(out.key)).toBe(true);
  });

  it('treats an entry of the right size that is no unit vector as damaged', async () => {
    // Prepare: every cached vector overwritten with the right number of bytes, all zero
    await runEmbed(batchOf('c'), deps('zeroed'));
    for (const key of await blobs.list(PREFIXES.embeddings)) {
      await blobs.put(key, new Uint8Array(embedder.dim * 4));
    }
    const before = embedder.images;

    // Act
    const out = await runEmbed(batchOf('c'), deps('zeroed'));

    // Assess
    expect(out.imagesReused).toBe(0);
    expect(embedder.images).toBe(before + 1);
  });

  it('treats a damaged cache entry as a miss and rewrites it', async () => {
    // Prepare: every cached vector cut short
    await runEmbed(batchOf('b'), deps('damaged'));
    const keys = (await blobs.list(PREFIXES.embeddings)).filter(Boolean);
    for (const key of keys) await blobs.put(key, new Uint8Array([1, 2, 3]));
    const before = embedder.images;

    // Act
    const out = await runEmbed(batchOf('b'), deps('damaged'));
    const healed = await runEmbed(batchOf('b'), deps('damaged'));

    // Assess
    expect(out.imagesReused).toBe(0);
    expect(embedder.images).toBe(before + 1);
    expect(healed.imagesReused).toBe(1);
  });
});
