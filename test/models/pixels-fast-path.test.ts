import { AutoImageProcessor, RawImage } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { configureOfflineTransformers, pretrainedOptions } from '#adapters/transformers-env.ts';
import {
  decodeSizeFor,
  fastNormalise,
  limitAspect,
  loadPreparePixels,
  type PixelValues,
  type ProcessorFields,
  type ProcessorSize,
  padToSquare,
  processorTarget,
  resizeBicubic,
} from '#adapters/transformers-pixels.ts';
import type { RgbImage } from '#core/ports/models.ts';
import { Random } from '#core/random.ts';
import { resolveModels } from '#models/resolve.ts';
import { tempDir } from './drawn-images.ts';

// The embedder normalises a batch itself (one pass into one Float32Array) instead of handing it to the
// transformers.js processor. It must give the processor's very numbers: same crop, same float32 rounding.

const GREEN = [0, 177, 64] as const;

function noise(width: number, height: number, seed: number): RgbImage {
  const random = new Random(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = random.int(0, 255);
  return { data, width, height };
}

let modelsDir: string;
beforeAll(async () => {
  configureOfflineTransformers();
  modelsDir = await tempDir('pixels-fast');
});

describe('batch normalisation', () => {
  it.each([
    ['test-clip', 'pad'],
    ['test-clip', 'model'],
    ['test-siglip', 'pad'],
    ['test-siglip', 'model'],
  ] as const)('equals the transformers.js processor bit for bit (%s, fit=%s)', async (id, fit) => {
    // Prepare: odd sizes, so the crop offsets round
    const { embed } = await resolveModels({ models: 'test', modelsDir }, { embed: id });
    const prepare = await loadPreparePixels(embed, { fit, padColour: GREEN });
    const processor = await AutoImageProcessor.from_pretrained(embed.dir, pretrainedOptions());
    const size = (processor as unknown as { size: ProcessorSize }).size;
    const images = [noise(301, 417, 1), noise(417, 301, 2), noise(250, 250, 3)];

    // Act
    const fast = fastNormalise(processor as unknown as ProcessorFields);
    const prepared = await prepare(images);
    const fitted = images.map((im) => (fit === 'pad' ? padToSquare(im, GREEN) : limitAspect(im, 4, GREEN)));
    const sized = fitted.map((im) => resizeBicubic(im, ...processorTarget(size, im.width, im.height)));
    const raw = sized.map((im) => new RawImage(im.data, im.width, im.height, 3));
    const theirs = ((await processor(raw)) as { pixel_values: PixelValues }).pixel_values;
    const ours = fast?.(sized);

    // Assess: the fast path covers these configurations, and the embedder's preparation is it
    if (!ours) throw new Error(`the fast path refused ${id}'s processor configuration`);
    expect(prepared.data).toEqual(ours.data);
    expect(ours.dims).toEqual(theirs.dims);
    expect(ours.data).toBeInstanceOf(Float32Array);
    let differing = 0;
    for (let i = 0; i < theirs.data.length; i++) if (ours.data[i] !== theirs.data[i]) differing++;
    expect(differing).toBe(0);
  });
});

describe('decodeSizeFor: the size a photo is decoded at so that the processor resizes nothing', () => {
  const clip = { shortest_edge: 224 };
  const siglip = { height: 224, width: 224 };

  it('gives the padded fit its square, the model fit the processor target, for photos it can halve', () => {
    expect(decodeSizeFor(clip, 'pad', 1000, 1333)).toEqual({ width: 168, height: 224 });
    expect(decodeSizeFor(clip, 'model', 1000, 1333)).toEqual({ width: 224, height: 298 });
    expect(decodeSizeFor(siglip, 'pad', 1333, 1000)).toEqual({ width: 224, height: 168 });
    expect(decodeSizeFor(siglip, 'model', 1000, 1333)).toEqual({ width: 224, height: 224 });
  });

  it('leaves to Pillow what it cannot halve, strips past the aspect guard, and processors that do not resize', () => {
    expect(decodeSizeFor(clip, 'pad', 400, 300)).toBeUndefined();
    expect(decodeSizeFor(siglip, 'model', 447, 1000)).toBeUndefined();
    expect(decodeSizeFor(clip, 'model', 5000, 900)).toBeUndefined();
    expect(decodeSizeFor(undefined, 'pad', 1000, 1333)).toBeUndefined();
  });
});
