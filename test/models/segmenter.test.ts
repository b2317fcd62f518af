import path from 'node:path';
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { OnnxSegmenter } from '#adapters/onnx-segmenter.ts';
import { InputError } from '#core/errors.ts';
import { encodePng } from '#core/image/codec.ts';
import type { Mask } from '#core/ports/models.ts';
import { runSegment } from '#functions/segment/run-segment.ts';
import { type ResolvedModels, resolveModels } from '#models/resolve.ts';
import { expectStatus } from '#test/support/image-records.ts';
import { drawShirt, tempDir } from './drawn-images.ts';

const at = (mask: Mask, x: number, y: number) => mask.data[y * mask.width + x];
/** The mask value where the model saw pixel (x, y) of a `width` x `height` image (the mask is the model's square). */
const atImage = (mask: Mask, width: number, height: number, x: number, y: number) =>
  at(mask, Math.floor(((x + 0.5) * mask.width) / width), Math.floor(((y + 0.5) * mask.height) / height));
const corners = (m: Mask) => [
  at(m, 2, 2),
  at(m, m.width - 3, 2),
  at(m, 2, m.height - 3),
  at(m, m.width - 3, m.height - 3),
];
const coverage = (m: Mask) => m.data.reduce((n, v) => n + (v === 255 ? 1 : 0), 0) / m.data.length;

let models: ResolvedModels;

beforeAll(async () => {
  models = await resolveModels({ models: 'test', modelsDir: await tempDir('segmenter') });
});

describe('OnnxSegmenter, cloth contract (u2net_cloth_seg stand-in)', () => {
  it('masks a saturated shirt on white: 255 on the shirt, 0 in the corners, at the model resolution', async () => {
    // Prepare
    const image = await drawShirt('#d01c28', '#ffffff', 300, 240);
    const segmenter = await OnnxSegmenter.create({ model: models.segment });

    // Act
    const mask = await segmenter.segment(image);

    // Assess
    expect([mask.width, mask.height, mask.data.length]).toEqual([768, 768, 768 * 768]);
    expect(atImage(mask, 300, 240, 150, 150)).toBe(255);
    expect(atImage(mask, 300, 240, 60, 92)).toBe(255);
    expect(corners(mask)).toEqual([0, 0, 0, 0]);
    expect(new Set(mask.data)).toEqual(new Set([0, 255]));
    expect(coverage(mask)).toBeGreaterThan(0.3);
    expect(coverage(mask)).toBeLessThan(0.5);
  });

  it('resizes a small, non-square image to its square and masks a dark garment on light grey', async () => {
    const image = await drawShirt('#1a1f3a', '#e8e8e8', 61, 97);
    const segmenter = await OnnxSegmenter.create({ model: models.segment });

    const mask = await segmenter.segment(image);

    expect([mask.width, mask.height]).toEqual([768, 768]);
    expect(atImage(mask, 61, 97, 30, 60)).toBe(255);
    expect(corners(mask)).toEqual([0, 0, 0, 0]);
  });

  it('selects classes: only class 2 (lower) gives an empty mask for a model that predicts class 1', async () => {
    const image = await drawShirt('#d01c28');
    const upperOnly = await OnnxSegmenter.create({ model: models.segment, garmentClasses: [1] });
    const lowerOnly = await OnnxSegmenter.create({ model: models.segment, garmentClasses: [2] });

    const [upper, lower] = await Promise.all([upperOnly.segment(image), lowerOnly.segment(image)]);

    expect(coverage(upper)).toBeGreaterThan(0.3);
    expect(lower.data.every((v) => v === 0)).toBe(true);
  });

  it('selects classes by name through the model settings and caches masks under a per-selection id', async () => {
    // Prepare
    const modelsDir = path.dirname(path.dirname(models.segment.file));
    const lower = await resolveModels({ models: 'test', modelsDir, model: { garmentClasses: ['lower'] } });
    const all = await resolveModels({
      models: 'test',
      modelsDir,
      model: { garmentClasses: ['full', 'lower', 'upper'] },
    });

    // Act
    const [lowerOnly, every] = await Promise.all([
      OnnxSegmenter.create({ model: lower.segment }),
      OnnxSegmenter.create({ model: all.segment }),
    ]);
    const masks = await Promise.all(
      [lowerOnly, every].map((s) => drawShirt('#d01c28').then((im) => s.segment(im))),
    );

    // Assess
    expect([lowerOnly.modelId, every.modelId]).toEqual(['test-cloth.lower', 'test-cloth']);
    expect(coverage(masks[0] as Mask)).toBe(0);
    expect(coverage(masks[1] as Mask)).toBeGreaterThan(0.3);
  });

  it('refuses classes the model does not have, naming the valid ones', async () => {
    await expect(OnnxSegmenter.create({ model: models.segment, garmentClasses: [4] })).rejects.toThrow(
      /garment classes \[4\] do not exist; valid: 0=background, 1=upper, 2=lower, 3=full/,
    );
  });

  it('refuses RGB data of the wrong length with an InputError naming the sizes', async () => {
    const segmenter = await OnnxSegmenter.create({ model: models.segment });

    const attempt = segmenter.segment({ data: new Uint8Array(10), width: 2, height: 2 });

    await expect(attempt).rejects.toBeInstanceOf(InputError);
    await expect(attempt).rejects.toThrow(/10 bytes, expected 2x2x3 = 12/);
  });
});

describe('no garment found', () => {
  it('gives an empty mask for a photo with nothing garment-like (white with a pale grey shadow)', async () => {
    const segmenter = await OnnxSegmenter.create({ model: models.segment });

    const mask = await segmenter.segment(await drawShirt('#eeeeee', '#ffffff', 200, 260));

    expect(mask.data.every((v) => v === 0)).toBe(true);
  });

  it('makes the segment stage fall back to the unmasked image and say so in the image status', async () => {
    // Prepare: a real adapter that finds nothing, a real blob store
    const dir = await tempDir('no-garment');
    const blobs = new FsBlobStore(path.join(dir, 'blobs'));
    const segmenter = await OnnxSegmenter.create({ model: models.segment, garmentClasses: [3] });
    await blobs.put('originals/shirt.png', await encodePng(await drawShirt('#d01c28')));
    const batch = {
      runId: 'r1',
      items: [
        {
          id: 'p1',
          metadata: {},
          images: [
            {
              url: 'https://cdn.example/shirt.png',
              status: 'downloaded' as const,
              originalKey: 'originals/shirt.png',
            },
          ],
        },
      ],
    };

    // Act
    const out = await runSegment(batch, { blobs, segmenter, background: [0, 177, 64], maxPixels: 50e6 });

    // Assess
    const image = expectStatus(out.items[0]?.images[0], 'masked');
    expect(image).toMatchObject({ status: 'masked', garmentFound: false });
    expect(image.detail).toMatch(/no garment found/);
    expect(image.maskedKey).toBe('masked/test-cloth.full/mask/shirt.nogarment.png');
    expect(await blobs.has(image.maskedKey)).toBe(true);
  });
});

describe('OnnxSegmenter, saliency contract (u2netp stand-in)', () => {
  it('masks the shirt and leaves the white background out', async () => {
    const { segment } = await resolveModels(
      { models: 'test', modelsDir: path.dirname(path.dirname(models.segment.file)) },
      { segment: 'test-saliency' },
    );
    const segmenter = await OnnxSegmenter.create({ model: segment });

    const mask = await segmenter.segment(await drawShirt('#2060d0', '#ffffff', 200, 160));

    expect(segmenter.modelId).toBe('test-saliency');
    expect([mask.width, mask.height]).toEqual([320, 320]);
    expect(atImage(mask, 200, 160, 100, 100)).toBe(255);
    expect(corners(mask)).toEqual([0, 0, 0, 0]);
  });

  it('gives an empty mask for a flat image (no contrast to normalise)', async () => {
    const { segment } = await resolveModels(
      { models: 'test', modelsDir: path.dirname(path.dirname(models.segment.file)) },
      { segment: 'test-saliency' },
    );
    const segmenter = await OnnxSegmenter.create({ model: segment });
    const grey = { data: new Uint8Array(40 * 30 * 3).fill(128), width: 40, height: 30 };

    const mask = await segmenter.segment(grey);

    expect(mask.data.every((v) => v === 0)).toBe(true);
  });
});

describe('OnnxSegmenter output handling, on a scripted session', () => {
  // A fake session that answers with given class scores, to pin the argmax rule (numpy's: the first maximum
  // wins) and the size check, which a trained model would only exercise by chance.
  const scripted = (scores: number[][], shape: (number | string)[] = [1, 3, 'h', 'w']) => {
    const side = Math.sqrt(scores[0]?.length ?? 0);
    const output = new Tensor('float32', Float32Array.from(scores.flat()), [1, scores.length, side, side]);
    return async () =>
      ({
        inputNames: ['input.1'],
        outputNames: ['1959'],
        inputMetadata: [{ name: 'input.1', isTensor: true, type: 'float32', shape }],
        run: async () => ({ '1959': output }),
        release: async () => {},
      }) as unknown as InferenceSession;
  };

  it.each([4, 5])(
    'labels each pixel with its first best class (%i classes) and keeps the chosen ones',
    async (n) => {
      // Prepare: 2x2 pixels; pixel 0 ties classes 0 and 2 (0 wins), pixel 1 ties 1 and 3 (1 wins), pixel 2 is
      // class 2, pixel 3 is the last class
      const scores = Array.from({ length: n }, (_, c) => [
        c === 0 || c === 2 ? 5 : 0,
        c === 1 || c === 3 ? 5 : 0,
        c === 2 ? 5 : 0,
        c === n - 1 ? 5 : 0,
      ]);
      const model = {
        ...models.segment,
        inputSize: 2,
        classes: Array.from({ length: n }, (_, c) => `c${c}`),
      };
      const segmenter = await OnnxSegmenter.create({
        model,
        garmentClasses: [2, n - 1],
        sessionFactory: scripted(scores),
      });

      // Act
      const mask = await segmenter.segment({ data: new Uint8Array(12), width: 2, height: 2 });

      // Assess
      expect([...mask.data]).toEqual([0, 0, 255, 255]);
    },
  );

  it('refuses a segmentation size that the graph fixes otherwise, naming the setting', async () => {
    const model = { ...models.segment, inputSize: 384 };

    const attempt = OnnxSegmenter.create({ model, sessionFactory: scripted([[0]], [1, 3, 768, 768]) });

    await expect(attempt).rejects.toThrow(
      /takes 768x768 inputs only.*THREADFINDER_SEGMENT_SIZE=384 needs a graph with free height and width/,
    );
  });
});
