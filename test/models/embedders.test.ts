import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformersImageEmbedder, TransformersTextEmbedder } from '../../adapters/transformers-embedder.ts';
import { refusedFetches } from '../../adapters/transformers-env.ts';
import { ModelMissingError } from '../../core/errors.ts';
import { dot } from '../../core/vectors.ts';
import { type ResolvedEmbedModel, resolveModels } from '../../models/resolve.ts';
import { drawShirt, tempDir } from './drawn-images.ts';

const norm = (v: Float32Array) => Math.sqrt(dot(v, v));

let model: ResolvedEmbedModel;
let images: TransformersImageEmbedder;
let texts: TransformersTextEmbedder;

beforeAll(async () => {
  ({ embed: model } = await resolveModels({ models: 'test', modelsDir: await tempDir('embedders') }));
  [images, texts] = await Promise.all([
    TransformersImageEmbedder.create({ model, batchSize: 2 }),
    TransformersTextEmbedder.create({ model, batchSize: 2 }),
  ]);
});

describe('TransformersImageEmbedder (stand-in CLIP)', () => {
  it('returns one deterministic unit vector of dim 512 per image, batched or not', async () => {
    // Prepare
    const red = await drawShirt('#d01c28');
    const blue = await drawShirt('#2040c0', '#ffffff', 180, 260);
    const grey = await drawShirt('#808080', '#00b140', 64, 64);

    // Act
    const together = await images.embedImages([red, blue, grey]);
    const alone = await Promise.all([red, blue, grey].map(async (im) => (await images.embedImages([im]))[0]));

    // Assess
    expect(images.dim).toBe(512);
    expect(images.modelId).toBe('test-clip');
    expect(together).toHaveLength(3);
    for (const [i, v] of together.entries()) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(512);
      expect(norm(v)).toBeCloseTo(1, 5);
      expect(dot(v, alone[i] as Float32Array)).toBeCloseTo(1, 5);
    }
  });

  it('puts images with similar colour layouts closer than different ones', async () => {
    const [red, darkRed, blue] = await images.embedImages([
      await drawShirt('#d01c28'),
      await drawShirt('#a01820'),
      await drawShirt('#2040c0'),
    ]);

    expect(dot(red as Float32Array, darkRed as Float32Array)).toBeGreaterThan(
      dot(red as Float32Array, blue as Float32Array),
    );
  });

  it('returns an empty list for no images', async () => {
    expect(await images.embedImages([])).toEqual([]);
  });
});

describe('TransformersTextEmbedder (stand-in CLIP)', () => {
  it('returns deterministic unit vectors of dim 512; a batch equals texts one by one despite padding', async () => {
    const queries = ['red striped shirt', 'dress', 'a long navy wool coat with pockets', ''];

    const together = await texts.embedTexts(queries);
    const alone = await Promise.all(queries.map(async (q) => (await texts.embedTexts([q]))[0]));

    expect(texts.dim).toBe(512);
    expect(together).toHaveLength(4);
    for (const [i, v] of together.entries()) {
      expect(v).toHaveLength(512);
      expect(norm(v)).toBeCloseTo(1, 5);
      expect(dot(v, alone[i] as Float32Array)).toBeCloseTo(1, 5);
    }
    expect(dot(together[0] as Float32Array, together[1] as Float32Array)).toBeLessThan(0.99);
  });

  it('accepts text longer than 77 tokens (truncated, not rejected)', async () => {
    const [long] = await texts.embedTexts([Array.from({ length: 120 }, () => 'shirt').join(' ')]);

    expect(norm(long as Float32Array)).toBeCloseTo(1, 5);
  });

  it('shares the space with images: colour words point at garments of that colour', async () => {
    const [redShirt, blueShirt] = await images.embedImages([
      await drawShirt('#d01c28', '#00b140'),
      await drawShirt('#2040c0', '#00b140'),
    ]);
    const [red, blue] = await texts.embedTexts(['red shirt', 'blue shirt']);

    expect(dot(red as Float32Array, redShirt as Float32Array)).toBeGreaterThan(
      dot(red as Float32Array, blueShirt as Float32Array),
    );
    expect(dot(blue as Float32Array, blueShirt as Float32Array)).toBeGreaterThan(
      dot(blue as Float32Array, redShirt as Float32Array),
    );
  });
});

describe('offline loading', () => {
  it('never asked for the network while loading and running', () => {
    expect(refusedFetches()).toEqual([]);
  });

  it('names the missing file instead of trying to download it', async () => {
    // Prepare: a copy of the stand-in folder without its text graph
    const dir = path.join(await tempDir('embed-missing'), 'model');
    await fs.cp(model.dir, dir, { recursive: true });
    await fs.rm(path.join(dir, 'onnx', 'text_model.onnx'));

    // Act
    const attempt = TransformersTextEmbedder.create({ model: { ...model, dir } });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ModelMissingError);
    await expect(attempt).rejects.toThrow(path.join(dir, 'onnx', 'text_model.onnx'));
    expect(refusedFetches()).toEqual([]);
  });

  it('fails clearly when config.json disagrees with the registry width', async () => {
    const attempt = TransformersImageEmbedder.create({ model: { ...model, dim: 768 } });

    await expect(attempt).rejects.toThrow(/gives vision width 512, the registry says 768/);
  });
});
