import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { OnnxSegmenter } from '#adapters/onnx-segmenter.ts';
import { parseBatchEvent } from '#core/contracts/batch-schema.ts';
import { maskedKeys } from '#core/contracts/run-layout.ts';
import { decodeToRgb } from '#core/image/codec.ts';
import { cutout } from '#core/image/cutout.ts';
import { decodeForSegmentation } from '#core/image/mask-garment.ts';
import type { Mask, RgbImage, Segmenter } from '#core/ports/models.ts';
import type { Batch } from '#core/types.ts';
import { runSegment, type SegmentDeps } from '#functions/segment/run-segment.ts';
import { resolveModels } from '#models/resolve.ts';
import { drawGarment } from '#samples/generator/draw.ts';
import { expectStatus } from '#test/support/image-records.ts';

const GREEN = [0, 177, 64] as const;
const MAX_PIXELS = 50e6;

/** Counts calls to a real segmenter, so tests can see when the cache answered instead. */
class CountingSegmenter implements Segmenter {
  calls = 0;
  constructor(private readonly inner: Segmenter) {}
  get modelId() {
    return this.inner.modelId;
  }
  get inputSize() {
    return this.inner.inputSize;
  }
  segment(image: RgbImage): Promise<Mask> {
    this.calls++;
    return this.inner.segment(image);
  }
}

let dir: string;
let blobs: FsBlobStore;
let segmenter: CountingSegmenter;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-segment-'));
  blobs = new FsBlobStore(path.join(dir, 'blobs'));
  const models = await resolveModels({ models: 'test', modelsDir: path.join(dir, 'models') });
  segmenter = new CountingSegmenter(await OnnxSegmenter.create({ model: models.segment }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function original(key: string, bytes: Uint8Array): Promise<string> {
  await blobs.put(key, bytes);
  return key;
}

function batchOf(...keys: string[]): Batch {
  return {
    runId: 'run-test',
    items: [
      {
        id: 'p1',
        metadata: {},
        images: keys.map((k) => ({
          url: `https://cdn.example/${k}`,
          status: 'downloaded' as const,
          originalKey: k,
        })),
      },
    ],
  };
}

/** Runs the stage over `batch` with the shared deps, green background unless `overrides` say otherwise. */
function segment(batch: Batch, overrides: Partial<SegmentDeps> = {}) {
  return runSegment(batch, { blobs, segmenter, background: GREEN, maxPixels: MAX_PIXELS, ...overrides });
}

describe('runSegment', () => {
  it('stores the garment mask, and the cut-out made from it paints every pixel outside the mask the background colour and keeps the garment', async () => {
    // Prepare
    const shirt = await drawGarment({ type: 't-shirt', color: 'red', pattern: 'solid', format: 'png' });
    const key = await original('originals/shirt.png', shirt);

    // Act
    const out = await segment(batchOf(key));

    // Assess
    const image = expectStatus(out.items[0]?.images[0], 'masked');
    expect(image).toMatchObject({ status: 'masked', garmentFound: true });
    expect(image.maskedKey).toMatch(/^masked\/[^/]+\/mask\/[^/]+\.png$/);
    const side = segmenter.inputSize as number;
    const mask = await segmenter.segment(
      await decodeForSegmentation(shirt, segmenter, { maxPixels: MAX_PIXELS, background: GREEN }),
    );
    const maskPng = await blobs.get(image.maskedKey);
    expect(await sharp(maskPng).metadata()).toMatchObject({ width: side, height: side, channels: 1 });
    const stored = await sharp(maskPng).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(Buffer.compare(stored.data, Buffer.from(mask.data))).toBe(0);
    const rgb = await decodeToRgb(shirt, { maxPixels: MAX_PIXELS, maxSide: 1024 });
    const masked = await cutout(shirt, maskPng, { maxPixels: MAX_PIXELS, maxSide: 1024, background: GREEN });
    expect([masked.width, masked.height]).toEqual([rgb.width, rgb.height]);
    // The mask is upsampled to the photo on use: a photo pixel whose whole neighbourhood in the mask (wider
    // than any resampling kernel) is background must be exactly the background colour, and one inside the
    // garment exactly the photo's pixel.
    const reach = Math.ceil(3 * Math.max(1, side / rgb.width, side / rgb.height)) + 1; // lanczos3's support
    const around = (x: number, y: number) => {
      const mx = Math.floor(((x + 0.5) * side) / rgb.width);
      const my = Math.floor(((y + 0.5) * side) / rgb.height);
      const seen = new Set<number>();
      for (let j = Math.max(0, my - reach); j <= Math.min(side - 1, my + reach); j++)
        for (let i = Math.max(0, mx - reach); i <= Math.min(side - 1, mx + reach); i++)
          seen.add(mask.data[j * side + i] as number);
      return seen.size === 1 ? [...seen][0] : undefined;
    };
    let background = 0;
    let garment = 0;
    const wrong: string[] = [];
    const at = (img: RgbImage, p: number) => [...img.data.slice(p * 3, p * 3 + 3)].join(',');
    for (let y = 0; y < rgb.height; y++) {
      for (let x = 0; x < rgb.width; x++) {
        const p = y * rgb.width + x;
        const value = around(x, y);
        if (value === 0) {
          background++;
          if (at(masked, p) !== GREEN.join(',')) wrong.push(`background pixel ${x},${y}: ${at(masked, p)}`);
        } else if (value === 255) {
          garment++;
          if (at(masked, p) !== at(rgb, p))
            wrong.push(`garment pixel ${x},${y}: ${at(masked, p)} vs ${at(rgb, p)}`);
        }
      }
    }
    const pixels = rgb.width * rgb.height;
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(background).toBeGreaterThan(pixels * 0.2);
    expect(garment).toBeGreaterThan(pixels * 0.1);
  });

  it('at THREADFINDER_SEGMENT_SIZE=384 segments at 384 and keeps those masks apart from the 768 ones', async () => {
    // Prepare
    const models = await resolveModels({
      models: 'test',
      modelsDir: path.join(dir, 'models'),
      model: { segmentSize: 384 },
    });
    const small = new CountingSegmenter(await OnnxSegmenter.create({ model: models.segment }));
    const shirt = await drawGarment({ type: 't-shirt', color: 'blue', pattern: 'solid', format: 'png' });
    const key = await original('originals/shirt-384.png', shirt);

    // Act
    const out = await segment(batchOf(key), { segmenter: small });

    // Assess
    const image = expectStatus(out.items[0]?.images[0], 'masked');
    expect(image.maskedKey).toMatch(/^masked\/test-cloth@384\/mask\//);
    expect(await sharp(await blobs.get(image.maskedKey)).metadata()).toMatchObject({
      width: 384,
      height: 384,
    });
    expect(small.calls).toBe(1);
  });

  it('shrinks a strip far longer than the square with libvips, so the resize in JS stays within the square', async () => {
    // Prepare: narrower than the square, and over 4 squares long
    const side = segmenter.inputSize as number;
    const strip = await sharp({ create: { width: 7, height: 5 * side, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const short = await sharp({ create: { width: 7, height: 2 * side, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    // Act
    const shrunk = await decodeForSegmentation(strip, segmenter, {
      maxPixels: MAX_PIXELS,
      background: GREEN,
    });
    const kept = await decodeForSegmentation(short, segmenter, { maxPixels: MAX_PIXELS, background: GREEN });
    // Assess: the long side shrunk to the square, the short one left for Pillow's arithmetic to enlarge
    expect([shrunk.width, shrunk.height]).toEqual([7, side]);
    expect([kept.width, kept.height]).toEqual([7, 2 * side]);
  });

  it('falls back to the unmasked image and says so when no garment is found', async () => {
    // Prepare: a plain white picture, which the clothing model sees as all background
    const white = await sharp({ create: { width: 64, height: 80, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const key = await original('originals/white.png', white);

    // Act
    const out = await segment(batchOf(key));

    // Assess
    const image = expectStatus(out.items[0]?.images[0], 'masked');
    expect(image).toMatchObject({ status: 'masked', garmentFound: false });
    expect(image.detail).toMatch(/no garment found/);
    expect(image.maskedKey).toMatch(/\.nogarment\.png$/);
    expect(await blobs.has(image.maskedKey)).toBe(true);
    const shown = await cutout(white, undefined, { maxPixels: MAX_PIXELS, maxSide: 1024, background: GREEN });
    expect([...shown.data.slice(0, 3)]).toEqual([255, 255, 255]);
  });

  it('reuses masks already made by the same model, whatever the background colour', async () => {
    // Prepare
    const key = await original(
      'originals/jacket.jpg',
      await drawGarment({ type: 'jacket', color: 'blue', pattern: 'checks' }),
    );
    const first = await segment(batchOf(key));
    const calls = segmenter.calls;

    // Act
    const second = await segment(batchOf(key));
    const otherColour = await segment(batchOf(key), { background: [255, 0, 255] });

    // Assess
    const maskedKey = (out: Batch) => expectStatus(out.items[0]?.images[0], 'masked').maskedKey;
    expect(maskedKey(second)).toBe(maskedKey(first));
    // A mask does not depend on the colour around the garment: changing THREADFINDER_BACKGROUND segments nothing again.
    expect(maskedKey(otherColour)).toBe(maskedKey(first));
    expect(segmenter.calls).toBe(calls);
  });

  it('uses a cut-out stored before masks as it is, without segmenting again', async () => {
    // Prepare: an original whose cut-out an older version stored under the colour's folder
    const key = await original(
      'originals/coat.jpg',
      await drawGarment({ type: 'dress', color: 'black', pattern: 'solid' }),
    );
    const legacy = maskedKeys(key, segmenter.modelId, GREEN).found;
    await blobs.put(
      legacy,
      await sharp({ create: { width: 4, height: 4, channels: 3, background: '#00b140' } })
        .png()
        .toBuffer(),
    );
    const calls = segmenter.calls;

    // Act
    const out = await segment(batchOf(key));

    // Assess
    expect(expectStatus(out.items[0]?.images[0], 'masked')).toMatchObject({
      maskedKey: legacy,
      garmentFound: true,
    });
    expect(segmenter.calls).toBe(calls);
  });

  it('records an image it cannot decode and still masks the others', async () => {
    // Prepare
    const good = await original(
      'originals/skirt.jpg',
      await drawGarment({ type: 'skirt', color: 'green', pattern: 'dots' }),
    );
    const bad = await original('originals/garbage.jpg', new TextEncoder().encode('not an image at all'));

    // Act
    const out = await segment(batchOf(bad, good));

    // Assess
    const [first, second] = out.items[0]?.images ?? [];
    expect(first).toMatchObject({ status: 'failed', reason: 'segment_failed' });
    expect(second).toMatchObject({ status: 'masked', garmentFound: true });
  });

  it('caps a long failure message so the next stages accept the record', async () => {
    // Prepare: a segmenter whose error message is far longer than the batch schema allows
    const key = await original(
      'originals/long.jpg',
      await drawGarment({ type: 'shirt', color: 'black', pattern: 'solid' }),
    );
    const noisy: Segmenter = {
      modelId: 'noisy',
      segment: async () => {
        throw new Error('x'.repeat(10_000));
      },
    };

    // Act
    const out = await segment(batchOf(key), { segmenter: noisy });

    // Assess
    const image = out.items[0]?.images[0];
    expect(image).toMatchObject({ status: 'failed', reason: 'segment_failed' });
    expect(image?.detail?.length).toBeLessThanOrEqual(1000);
    expect(() => parseBatchEvent(out)).not.toThrow();
  });

  it('passes failed images through untouched', async () => {
    const batch: Batch = {
      runId: 'run-test',
      items: [
        {
          id: 'p',
          metadata: {},
          images: [{ url: 'https://x/a.jpg', status: 'failed', reason: 'not_found' }],
        },
      ],
    };
    const out = await segment(batch);
    expect(out.items[0]?.images[0]).toEqual({
      url: 'https://x/a.jpg',
      status: 'failed',
      reason: 'not_found',
    });
  });
});
